import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { authorize, policyFromConfig, type Actor } from '../../src/chatops/core/auth.js';
import { actionId, parseActionId } from '../../src/chatops/core/messages.js';
import { parseCommandText, UsageError } from '../../src/chatops/core/parse.js';
import { COMMANDS, helpText } from '../../commands/index.js';

const alice: Actor = { platform: 'slack', userId: 'UALICE', userName: 'alice', roles: ['ops'], channelId: 'C1' };
const bob: Actor = { platform: 'discord', userId: '42', userName: 'bob', roles: [], channelId: 'C1' };

describe('authorization', () => {
  it('denies operator actions by default and allows everyday commands', () => {
    const policy = policyFromConfig({});
    expect(authorize(bob, 'operators', policy, 'daily-loop cancel')).toMatchObject({ ok: false, reason: expect.stringMatching(/CHATOPS_OPERATORS/) });
    expect(authorize(bob, 'everyone', policy, 'daily-loop status')).toEqual({ ok: true });
  });

  it('lets operators in by user id or role id, never by display name', () => {
    for (const operators of ['UALICE', 'role:ops'])
      expect(authorize(alice, 'operators', policyFromConfig({ CHATOPS_OPERATORS: operators }), 'approve')).toEqual({ ok: true });
    // A name can be changed by its owner: "@alice" grants nothing, even to the user now called alice.
    expect(authorize(alice, 'operators', policyFromConfig({ CHATOPS_OPERATORS: '@alice' }), 'approve').ok).toBe(false);
    expect(authorize({ ...bob, userName: 'alice' }, 'operators', policyFromConfig({ CHATOPS_RULES: { approve: { allow: ['@alice'] } } }), 'approve').ok).toBe(
      false,
    );
  });

  it('refuses names in CHATOPS_OPERATORS and CHATOPS_RULES at start-up, naming the fix', () => {
    expect(() => loadConfig({ CHATOPS_OPERATORS: 'UALICE,@bob' })).toThrow(
      /CHATOPS_OPERATORS is invalid: got "UALICE,@bob", expected .*user ids.*names are not accepted/,
    );
    expect(() => loadConfig({ CHATOPS_RULES: '{"approve": {"allow": ["@bob"]}}' })).toThrow(/CHATOPS_RULES is invalid/);
    expect(loadConfig({ CHATOPS_OPERATORS: 'U0123ABCD, 123456789012345678,role:987654321098765432' }).CHATOPS_OPERATORS).toBeDefined();
  });

  it('applies per-command rules: users, roles and channels', () => {
    const policy = policyFromConfig({ CHATOPS_RULES: { 'daily-loop start': { allow: ['role:ops'] }, approve: { allow: ['*'], channels: ['C_APPROVALS'] } } });
    expect(authorize(alice, 'everyone', policy, 'daily-loop start')).toEqual({ ok: true });
    expect(authorize(bob, 'everyone', policy, 'daily-loop start')).toMatchObject({ ok: false, reason: expect.stringMatching(/CHATOPS_RULES/) });
    expect(authorize({ ...bob, channelId: 'C_APPROVALS' }, 'operators', policy, 'approve')).toEqual({ ok: true });
    expect(authorize(bob, 'operators', policy, 'approve')).toMatchObject({ ok: false, reason: expect.stringMatching(/channel/) });
  });

  it('limits commands to CHATOPS_CHANNELS, except on the local console', () => {
    const policy = policyFromConfig({ CHATOPS_CHANNELS: 'C_OPS' });
    expect(authorize(alice, 'everyone', policy).ok).toBe(false);
    expect(authorize({ platform: 'console', userId: 'console' }, 'operators', policy).ok).toBe(true);
  });

  it('reads CHATOPS_RULES from the environment and rejects malformed JSON by name', () => {
    expect(loadConfig({ CHATOPS_RULES: '{"schedules pause": {"allow": ["U1"]}}' }).CHATOPS_RULES).toEqual({ 'schedules pause': { allow: ['U1'] } });
    expect(() => loadConfig({ CHATOPS_RULES: '{not json' })).toThrow(ConfigError);
    expect(() => loadConfig({ CHATOPS_RULES: '{"x": {"deny": []}}' })).toThrow(/CHATOPS_RULES is invalid/);
  });
});

describe('command text', () => {
  it('parses options, flags and a lone workflow id', () => {
    expect(parseCommandText('/daily-loop', 'start max:5 platforms:youtube,tiktok auto-approve').args).toEqual({
      max: 5,
      platforms: 'youtube,tiktok',
      'auto-approve': true,
    });
    expect(parseCommandText('/daily-loop', 'status daily-2026-11-27').args).toEqual({ 'workflow-id': 'daily-2026-11-27' });
  });
  it('explains bad input with the usage line', () => {
    for (const text of ['start max:0', 'start max:abc', 'start colour:red', 'explode', '']) {
      try {
        parseCommandText('/daily-loop', text);
        throw new Error('expected a UsageError');
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        expect((err as UsageError).usage).toMatch(/^\/daily-loop/);
      }
    }
  });
  it('generates help from the definitions', () => {
    for (const c of COMMANDS) expect(helpText()).toContain(`/${c.name}`);
  });
  it('round-trips button ids and rejects anything else', () => {
    const a = { kind: 'approve' as const, workflowId: 'daily-2026-11-27', videoId: '123e4567-e89b-12d3-a456-426614174000' };
    expect(parseActionId(actionId(a))).toEqual(a);
    expect(parseActionId('approve|x|not-a-uuid')).toBeNull();
    expect(parseActionId('rm -rf /')).toBeNull();
  });
});
