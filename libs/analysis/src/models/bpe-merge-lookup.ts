/**
 * transformers.js's BPE ranks a candidate pair with `bpe_ranks.get(JSON.stringify([left, right]))`:
 * a new string per lookup, and most of a number's tokenizing time. The same ranks held as a Map of
 * Maps answer the same question without building a string. The table is built from `bpe_ranks`
 * itself (every key that is a pair of strings, parsed back: JSON round-trips strings exactly), so
 * both answer alike for every pair by construction; it is installed on one model instance only, and
 * only when that model's `add_node` is still the code this replaces. Anything else is left as it is.
 */

interface BpeNode {
  token: string;
  bias: number;
  score?: number;
  next: BpeNode | null;
}

interface BpeModelInternals {
  bpe_ranks?: unknown;
  add_node?: unknown;
}

/** The body of the `add_node` this replaces, as @huggingface/transformers 4 writes it (whitespace aside). */
const EXPECTED_ADD_NODE = `add_node(queue, node) {
  const rank = this.bpe_ranks.get(JSON.stringify([node.token, node.next.token]));
  if (rank !== void 0) { node.score = rank + node.bias; queue.push(node); }
}`;

/** Installs the nested-Map lookup on `model` when it is a BPE model of the expected shape; says whether it did. */
export function installMergeLookup(model: unknown): boolean {
  const bpe = model as BpeModelInternals | null;
  if (!bpe || !(bpe.bpe_ranks instanceof Map) || typeof bpe.add_node !== 'function') return false;
  if (bpe.add_node.toString().replace(/\s+/g, '') !== EXPECTED_ADD_NODE.replace(/\s+/g, '')) return false;
  const ranks = new Map<string, Map<string, number>>();
  for (const [key, rank] of bpe.bpe_ranks as Map<unknown, unknown>) {
    if (typeof key !== 'string' || typeof rank !== 'number') return false;
    const pair: unknown = JSON.parse(key);
    // a key that is not a pair of strings can never equal JSON.stringify([left, right])
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      typeof pair[1] !== 'string'
    )
      continue;
    let right = ranks.get(pair[0]);
    if (!right) ranks.set(pair[0], (right = new Map()));
    right.set(pair[1], rank);
  }
  const queueing = (queue: { push(node: BpeNode): void }, node: BpeNode): void => {
    const rank = ranks.get(node.token)?.get(node.next!.token);
    if (rank !== undefined) {
      node.score = rank + node.bias;
      queue.push(node);
    }
  };
  bpe.add_node = queueing;
  return true;
}
