/*
 * Counters and histograms for what every request touches. prom-client hashes and checks the label
 * object on each inc() and observe(), even through labels(): about a microsecond per request here.
 * These keep each series as a plain record, found once by its label values, so counting is an
 * addition; prom-client's registry still reads them (get()) and writes the exposition format.
 */

type Labels = Record<string, string>;

interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** What a prom-client Registry reads of a metric it did not make (registerMetric). */
interface RegistryMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Sample[] }>;
  reset(): void;
}

export interface CounterSeries {
  value: number;
}

export interface HistogramSeries {
  /** Observations per bucket (not cumulative); the last is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

/** A family of series by label values, made on first use. */
abstract class Family<S> implements RegistryMetric {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  private readonly series = new Map<string, { labels: Labels; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** The series for `values` (in the order of the label names). Callers keep what this returns. */
  of(...values: string[]): S {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
      entry = { labels, state: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  protected abstract fresh(): S;
  protected abstract samples(labels: Labels, state: S): Sample[];

  async get() {
    const values: Sample[] = [];
    for (const { labels, state } of this.series.values()) values.push(...this.samples(labels, state));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

export class HotCounter extends Family<CounterSeries> {
  readonly type = 'counter' as const;
  protected fresh(): CounterSeries {
    return { value: 0 };
  }
  protected samples(labels: Labels, state: CounterSeries): Sample[] {
    return [{ labels, value: state.value }];
  }
}

export class HotHistogram extends Family<HistogramSeries> {
  readonly type = 'histogram' as const;

  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[]) {
    super(name, help, labelNames);
  }

  protected fresh(): HistogramSeries {
    return { counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  /** Records one observation in `series` (one of this histogram's). */
  observe(series: HistogramSeries, value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  protected samples(labels: Labels, state: HistogramSeries): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += state.counts[i]!;
      out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: String(bound) }, value: cumulative });
    });
    out.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: state.count });
    out.push({ metricName: `${this.name}_sum`, labels, value: state.sum });
    out.push({ metricName: `${this.name}_count`, labels, value: state.count });
    return out;
  }
}
