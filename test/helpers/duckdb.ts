import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** An in-memory DuckDB for reading a sweep's Parquet files as an analyst would. */
export class DuckDb {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckDb> {
    const instance = await DuckDBInstance.create(':memory:');
    return new DuckDb(instance, await instance.connect());
  }

  /** Rows as plain JS objects (BIGINT as bigint, lists as arrays, NULL as null). */
  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  }

  /** The first column of the first row. */
  async value<T = unknown>(sql: string): Promise<T> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRows()[0]?.[0] as T;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** A file path or glob as a SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `read_parquet(<glob>)` over one analysis of a sweep directory, with hive partitions `model` and `format`. */
export function analysisTable(sweepDir: string, analysis: string): string {
  return `read_parquet(${sqlString(`${sweepDir}/${analysis}/**/*.parquet`)}, hive_partitioning = true)`;
}
