import { version } from '../../../package.json';

/** This tokensweep's version, as written into every manifest and Parquet footer. */
export const TOOL_VERSION: string = version;
export const TOOL_NAME = 'tokensweep';
