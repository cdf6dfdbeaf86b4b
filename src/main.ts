/** Process entry: `portico <command>`. */
import { runCli } from './cli/index.ts';

runCli(process.argv).catch((error: unknown) => {
  process.stderr.write(`portico: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
