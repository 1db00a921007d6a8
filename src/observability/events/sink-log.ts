/** Where sinks report what went wrong: the server's logger (pino's shape, object first). */
export interface SinkLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
