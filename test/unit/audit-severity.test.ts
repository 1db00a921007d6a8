import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_TYPES, auditSeverity } from '../../src/core/audit.js';
import { outgoingEvent } from '../../src/core/events/schema.js';

describe('audit event severity', () => {
  it('gives every event type one of info, warning, critical', () => {
    for (const type of AUDIT_TYPES) assert.ok(['info', 'warning', 'critical'].includes(auditSeverity(type)), `${type} has no severity`);
  });

  it('marks signs of a stolen credential critical and refusals at least a warning', () => {
    assert.equal(auditSeverity('refresh.reuse'), 'critical');
    assert.equal(auditSeverity('code.replay'), 'critical');
    for (const type of AUDIT_TYPES.filter((t) => t.endsWith('.failure') || t === 'rate_limit.hit' || t === 'login.lockout')) assert.notEqual(auditSeverity(type), 'info', type);
    assert.equal(auditSeverity('token.issued'), 'info');
  });

  it('puts the severity, an ISO time and the request id in the outgoing form', () => {
    const event = outgoingEvent(
      { at: 1_700_000_000, type: 'login.failure', outcome: 'failure', userId: null, username: 'bob', clientId: 'app', ip: '10.0.0.1', userAgent: 'ua', reason: 'bad_password', actor: null },
      'id-1',
      'https://id.example.com',
      'req-1',
    );
    assert.deepEqual(event, {
      version: 1, id: 'id-1', type: 'login.failure', severity: 'warning', outcome: 'failure', time: '2023-11-14T22:13:20.000Z', issuer: 'https://id.example.com',
      user_id: null, username: 'bob', client_id: 'app', ip: '10.0.0.1', user_agent: 'ua', reason: 'bad_password', actor: null, request_id: 'req-1',
    });
  });
});
