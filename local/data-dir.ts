/**
 * The data folder's PID file (`runner.json`): one runner per folder, and the
 * DynamoDB Local that a killed runner left behind is found and stopped.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunnerError } from './errors';
import { alive, killQuietly } from './processes';

const pidFile = (dataDir: string) => join(dataDir, 'runner.json');

/**
 * Refuses a data folder another runner uses; stops the DynamoDB Local a
 * killed runner left behind; returns what releases the folder.
 */
export function claimDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = pidFile(dataDir);
  if (existsSync(file)) {
    let previous: { pid?: number; javaPid?: number } = {};
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as typeof previous;
    } catch {
      // unreadable: treat as stale
    }
    if (previous.pid && previous.pid !== process.pid && alive(previous.pid)) {
      throw new RunnerError(`another keygate runner (pid ${previous.pid}) uses ${dataDir}`, 'stop it (Ctrl-C in its terminal), or set KEYGATE_DATA_DIR to another folder or KEYGATE_IN_MEMORY=1');
    }
    if (previous.javaPid && isDynamoDbLocal(previous.javaPid)) {
      console.log(`stopping the DynamoDB Local (pid ${previous.javaPid}) that a killed runner left behind`);
      killQuietly(previous.javaPid, 'SIGKILL');
    }
  }
  writeFileSync(file, JSON.stringify({ pid: process.pid }));
  return () => rmSync(file, { force: true });
}

/** Recorded as soon as Java is spawned, so a start after a SIGKILL can find and stop it. */
export function recordJavaPid(dataDir: string, javaPid: number | undefined): void {
  writeFileSync(pidFile(dataDir), JSON.stringify({ pid: process.pid, javaPid }));
}

/** Only a process whose command line is DynamoDB Local's (Linux /proc; elsewhere never). */
function isDynamoDbLocal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar');
  } catch {
    return false;
  }
}
