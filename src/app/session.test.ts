import { describe, expect, it } from 'vitest';
import { testManifest } from '../model/testManifest';
import { seedPortrait } from '../store/store';
import { fromSession, SessionError, toSession } from './session';

describe('session files', () => {
  const manifest = testManifest();
  const portraits = { A: { ...seedPortrait(3), locks: [false, true] }, B: { ...seedPortrait(4), psi: 0.5 } };

  it('round-trips both portraits exactly', () => {
    const json = JSON.stringify(toSession('m', manifest, portraits, ['A: seed 3']));
    const back = fromSession(json, 'm', manifest);
    const again = toSession('m', manifest, back, []);
    expect(again.portraits).toEqual(JSON.parse(json).portraits);
    expect(back.A.locks).toEqual([false, true]);
    expect(back.B.psi).toBe(0.5);
  });

  it('refuses broken files with the reason', () => {
    const good = toSession('m', manifest, portraits, []);
    const bad = (patch: object) => () => fromSession(JSON.stringify({ ...good, ...patch }), 'm', manifest);
    expect(() => fromSession('{', 'm', manifest)).toThrow(/not valid JSON/);
    expect(bad({ format: 'other' })).toThrow(/format/);
    expect(bad({ model: 'x' })).toThrow(/for the model "x", but "m" is open/);
    expect(bad({ portraits: { ...good.portraits, A: { ...good.portraits.A, z: [[1, 2]] } } })).toThrow(SessionError);
    expect(bad({ portraits: { ...good.portraits, B: { ...good.portraits.B, locked: ['hair'] } } })).toThrow(/locks "hair"/);
    expect(bad({ portraits: { ...good.portraits, A: { ...good.portraits.A, seed: -1 } } })).toThrow(/portraits\.A\.seed/);
  });
});
