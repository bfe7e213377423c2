import { describe, expect, it } from 'vitest';
import { REDACTED, redactText, registerSecret } from '../src/index.js';

describe('redactText on serialised JSON', () => {
  it('finds a secret that JSON escaping changed', () => {
    const secret = 'quote"and\\backslash-secret';
    registerSecret(secret);
    const json = JSON.stringify({ note: `leaked ${secret}` });
    const redacted = redactText(json);
    expect(redacted).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(JSON.parse(redacted)).toEqual({ note: `leaked ${REDACTED}` });
  });

  it('never joins two JSON strings when masking URL credentials', () => {
    const json = JSON.stringify({
      url: 'http://host:8080',
      email: 'ops@example.com',
      proxy: 'http://u:pw@proxy',
    });
    const parsed = JSON.parse(redactText(json));
    expect(parsed).toEqual({
      url: 'http://host:8080',
      email: 'ops@example.com',
      proxy: `http://u:${REDACTED}@proxy`,
    });
  });
});
