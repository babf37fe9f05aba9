import { describe, expect, it } from 'vitest';
import { parseSubmission } from './submission';
import { SpecError } from './spec-error';
import { specHash } from './sweep-spec';

describe('parseSubmission', () => {
  it('takes priority beside the spec, normal by default, and keeps it out of the spec and its hash', () => {
    const plain = parseSubmission({ numbers: '0..9' });
    const high = parseSubmission({ numbers: '0..9', priority: 'high' });
    expect(plain.priority).toBe('normal');
    expect(high.priority).toBe('high');
    expect(high.spec).toEqual(plain.spec);
    expect('priority' in high.spec).toBe(false);
    expect(specHash(high.spec)).toBe(specHash(plain.spec));
  });

  it('names a bad priority, together with the spec’s own problems', () => {
    try {
      parseSubmission({ numbers: '9..0', priority: 'urgent' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).problems).toEqual([
        expect.stringMatching(/^numbers: /),
        'priority: unknown priority "urgent"; expected one of low, normal, high',
      ]);
    }
    expect(() => parseSubmission({ priority: 3 })).toThrow(
      new SpecError(['priority: unknown priority number; expected one of low, normal, high']),
    );
  });

  it('refuses a body that is not an object as the spec schema does', () => {
    expect(() => parseSubmission([])).toThrow(SpecError);
  });
});
