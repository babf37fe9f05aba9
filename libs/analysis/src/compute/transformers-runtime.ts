/**
 * The one place that loads `@huggingface/transformers` (an ES module, reached from CommonJS with a
 * dynamic import). Models are resolved to directories before they reach it: it never fetches.
 */
export type Transformers = typeof import('@huggingface/transformers', {
  with: { 'resolution-mode': 'import' },
});

let loading: Promise<Transformers> | undefined;

export function loadTransformers(): Promise<Transformers> {
  loading ??= import('@huggingface/transformers').then((module) => {
    module.env.allowRemoteModels = false;
    module.env.allowLocalModels = true;
    return module;
  });
  return loading;
}
