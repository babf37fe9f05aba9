/** Where models are looked for and fetched from; read from the environment by the apps, never here. */
export interface ModelLocations {
  /** A directory of models laid out as `<id>/` (nested for `org/name`), searched before the cache. */
  modelsDir?: string;
  /** `HF_HOME`: the Hugging Face cache lives in `<hfHome>/hub`, shared with Python's huggingface_hub. */
  hfHome: string;
  /** `HF_ENDPOINT`: the Hub to download from. */
  hfEndpoint: string;
  /** `HF_TOKEN`: sent as a bearer token, for gated and private models. */
  hfToken?: string;
  /** `HF_HUB_OFFLINE=1`: never touch the network. */
  offline: boolean;
  /**
   * `TOKENSWEEP_CACHE_DIR`: where what was computed from model files is kept (their matrices' sha256,
   * see TensorDigests); nothing is kept when unset.
   */
  cacheDir?: string;
}

/** The model files a sweep needs, by whether it reads the embedding matrix. */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'config.json'] as const;
export const SAFETENSORS_SINGLE = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
