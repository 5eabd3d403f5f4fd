/**
 * The reference material the repository carries in data/ (data/README.md says where each
 * file comes from): the production structure dump, the sample data set the private
 * development database is loaded with, the legacy PHP's recorded answers and the bench's
 * data set and requests.
 */
import { repositoryPath } from "../src/project-files.js";

const data = (...segments: string[]) => repositoryPath("data", ...segments);

/** `mysqldump --no-data` of the production database: the schema the Drizzle tables must match. */
export const PRODUCTION_STRUCTURE = data("production-structure.sql");

/** 3,757 packages: the data the golden corpus was recorded on and `npm start` serves locally. */
export const SAMPLE_DATASET = data("sample", "dataset-public.sql.gz");

/** The legacy PHP's recorded answers (data/golden/README.md). */
export const GOLDEN = {
  public: data("golden", "rpc-public.jsonl.gz"),
  tooMany: data("golden", "rpc-public-toomany.jsonl.gz"),
  rateLimit: data("golden", "rpc-ratelimit.jsonl"),
} as const;

/**
 * The 100K-package bench data set, in parts loaded in order into one session: one gzip file
 * would be too large to keep in git comfortably.
 */
export const BENCH_DATASET = [1, 2, 3].map((part) => data("bench", `dataset-bench.${part}.sql.gz`));

/** The bench's requests, `name<TAB>path` per line. */
export const BENCH_QUERIES = data("bench", "rpc-queries.tsv");
