/**
 * Topic-exchange matching exactly as RabbitMQ does it: keys and patterns are split into words on
 * `.`; `*` matches one word (which may be empty), `#` matches zero or more words, anything else
 * matches itself (`a*` is a plain word). The empty key has no words at all, so `#` matches it and
 * `*` does not, while `"."` is two empty words.
 */

/** Splits a routing key or binding pattern into words, as RabbitMQ does (`""` has none). */
export function topicWords(key: string): string[] {
  return key === "" ? [] : key.split(".");
}

/** Whether a binding pattern contains a wildcard word (otherwise it matches only itself). */
export function hasWildcard(pattern: string): boolean {
  return topicWords(pattern).some((w) => w === "*" || w === "#");
}

/**
 * Compiles a binding pattern into a matcher of routing keys.
 * @example
 * const match = topicMatcher("orders.#");
 * match("orders"); // true: # matches zero words
 * match("orders.created.eu"); // true
 */
export function topicMatcher(pattern: string): (routingKey: string) => boolean {
  const words = topicWords(pattern);
  if (words.length > 0 && words.every((w) => w === "#")) return () => true;
  if (!words.some((w) => w === "*" || w === "#")) return (key) => key === pattern;
  return (key) => matchWords(words, topicWords(key));
}

/** Whether `routingKey` matches the binding `pattern`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return topicMatcher(pattern)(routingKey);
}

// Dynamic programming over (pattern word, key word): linear in their product, whatever the
// number of `#`s (a naive backtracking match is exponential in them).
function matchWords(pattern: readonly string[], key: readonly string[]): boolean {
  // reachable[j]: the pattern words seen so far can match exactly the first j key words.
  let reachable: boolean[] = new Array<boolean>(key.length + 1).fill(false);
  reachable[0] = true;
  for (const word of pattern) {
    const next: boolean[] = new Array<boolean>(key.length + 1).fill(false);
    for (let j = 0; j <= key.length; j++) {
      if (word === "#") {
        // Zero words (stay at j) or one more word (from j - 1, already extended).
        next[j] = reachable[j] === true || (j > 0 && next[j - 1] === true);
      } else if (j > 0 && reachable[j - 1] === true) {
        next[j] = word === "*" || word === key[j - 1];
      }
    }
    reachable = next;
  }
  return reachable[key.length] === true;
}
