// graphile-worker's batch enqueue (`addJobs`), for benches/engine.rs's `batch`
// scenario to time beside `trigger_many` in the same run (BENCHMARKS.md). Not a
// dependency: install it outside the repository and point NODE_PATH at it:
//
//   npm install --prefix /tmp/gw graphile-worker@0.17.3
//   NODE_PATH=/tmp/gw/node_modules node bench/graphile-enqueue.js URL JOBS BATCH LANES KEYED
//
// Migrates graphile-worker's schema into the database at URL (idempotent), empties
// its job tables, then adds JOBS no-op jobs, BATCH per `addJobs` call (one
// statement each), over LANES queue names (`lane0` …; 0: no queue name) and, with
// KEYED=1, a job key each. Prints one line: jobs per second.
const { makeWorkerUtils } = require("graphile-worker");

async function main() {
  const [url, jobsArg, batchArg, lanesArg, keyedArg] = process.argv.slice(2);
  const jobs = Number(jobsArg || 20000);
  const batch = Number(batchArg || jobs);
  const lanes = Number(lanesArg || 0);
  const keyed = keyedArg === "1";
  const utils = await makeWorkerUtils({ connectionString: url });
  try {
    await utils.migrate();
    await utils.withPgClient((client) =>
      client.query(
        "TRUNCATE graphile_worker._private_jobs, graphile_worker._private_job_queues CASCADE",
      ),
    );
    const specs = [];
    for (let n = 0; n < jobs; n++) {
      specs.push({
        identifier: "noop",
        payload: { n },
        queueName: lanes > 0 ? `lane${n % lanes}` : undefined,
        jobKey: keyed ? `noop-${n}` : undefined,
      });
    }
    const started = process.hrtime.bigint();
    for (let from = 0; from < jobs; from += batch) {
      await utils.addJobs(specs.slice(from, from + batch));
    }
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const { rows } = await utils.withPgClient((client) =>
      client.query("SELECT count(*)::int AS n FROM graphile_worker._private_jobs"),
    );
    if (rows[0].n !== jobs) {
      throw new Error(`expected ${jobs} jobs, found ${rows[0].n}`);
    }
    console.log((jobs / secs).toFixed(0));
  } finally {
    await utils.release();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
