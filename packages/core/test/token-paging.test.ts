import { describe, expect, it } from 'vitest';
import { collectByToken, UnexpectedResponseError } from '../src/index.js';

/** Pages as a misbehaving API would answer them: `tokens[i]` is the `next` of page i. */
function pagesAnswering(tokens: (string | undefined)[]) {
  const asked: (string | undefined)[] = [];
  const fetchPage = async (token: string | undefined) => {
    asked.push(token);
    const index = asked.length - 1;
    if (index >= tokens.length) throw new Error(`page ${index + 1} was never meant to be asked for`);
    return { items: [index], next: tokens[index] };
  };
  return { asked, fetchPage };
}

describe('collectByToken', () => {
  it('follows tokens to the page without one, short pages or not', async () => {
    const { asked, fetchPage } = pagesAnswering(['a', 'b', undefined]);
    const collected = await collectByToken(fetchPage);
    expect(collected).toEqual({ items: [0, 1, 2], pages: 3, complete: true });
    expect(asked).toEqual([undefined, 'a', 'b']);
  });

  it('stops at maxPages and says the listing is incomplete', async () => {
    const { fetchPage } = pagesAnswering(['a', 'b', undefined]);
    expect(await collectByToken(fetchPage, { maxPages: 2 })).toEqual({
      items: [0, 1],
      pages: 2,
      complete: false,
    });
  });

  it('ends with an error naming the endpoint when a token comes back, instead of walking for ever', async () => {
    const { asked, fetchPage } = pagesAnswering(['a', 'b', 'a', 'b']);
    const error = await collectByToken(fetchPage, { endpoint: 'GET /v1/healthEvents' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as Error).message).toMatch(
      /^GET \/v1\/healthEvents answered .*page 3 answered a continuation token already followed/,
    );
    expect(asked).toEqual([undefined, 'a', 'b']);
  });
});
