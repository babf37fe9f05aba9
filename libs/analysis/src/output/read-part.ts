import { Table } from '#arrow';
import { SweepStorage } from '../storage/sweep-storage';
import { decodeParquetTable } from './parquet-file';

/** A part (some of its columns) as an Arrow table, read whole through the sweep's storage. */
export async function readPart(storage: SweepStorage, relative: string, columns?: string[]): Promise<Table> {
  const bytes = await storage.read(relative);
  if (!bytes) throw new Error(`${storage.location}/${relative} does not exist`);
  return decodeParquetTable(bytes, columns);
}
