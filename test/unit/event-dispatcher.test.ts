import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventDispatcher } from '../../src/core/events/dispatcher.js';
import type { OutgoingEvent } from '../../src/core/events/schema.js';
import type { EventSink } from '../../src/core/events/sink.js';
import type { AuditEvent } from '../../src/core/audit.js';

const event: AuditEvent = { at: 1_700_000_000, type: 'refresh.reuse', outcome: 'failure', userId: 'u1', username: null, clientId: 'c1', ip: '10.0.0.1', userAgent: null, reason: 'family_revoked', actor: null };

function collecting(name: string, got: OutgoingEvent[]): EventSink {
  return { name, send: (e) => void got.push(e), close: async () => {} };
}

describe('event dispatcher', () => {
  it('gives every sink the same event with the same id, and a new id to the next event', () => {
    const a: OutgoingEvent[] = [];
    const b: OutgoingEvent[] = [];
    const d = eventDispatcher([collecting('a', a), collecting('b', b)], { issuer: 'https://id.example.com', requestId: () => 'r1', onError: () => assert.fail('no error') });
    d.observe(event);
    d.observe(event);
    assert.equal(a.length, 2);
    assert.deepEqual(a, b);
    assert.notEqual(a[0]!.id, a[1]!.id);
    assert.equal(a[0]!.severity, 'critical');
    assert.equal(a[0]!.request_id, 'r1');
  });

  it('keeps a throwing sink from failing the request or starving the others', async () => {
    const got: OutgoingEvent[] = [];
    const errors: string[] = [];
    const broken: EventSink = { name: 'broken', send: () => { throw new Error('boom'); }, close: async () => { throw new Error('boom'); } };
    const d = eventDispatcher([broken, collecting('ok', got)], { issuer: 'x', requestId: () => undefined, onError: (sink) => errors.push(sink) });
    assert.doesNotThrow(() => d.observe(event));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.request_id, null);
    await d.close(100);
    assert.deepEqual(errors, ['broken', 'broken']);
  });
});
