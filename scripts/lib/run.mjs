// Run a command, echoing its output as it comes and keeping a copy to read the summary from.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/**
 * @returns {Promise<{code: number, output: string}>} code is the exit status (128 + n for a signal,
 *   127 when it could not start or was aborted).
 */
export function run(command, args, { cwd, env, quiet = false, signal } = {}) {
  return new Promise((resolve) => {
    // `signal`: aborting it kills the command (SIGTERM), which then resolves like any other exit.
    const child = spawn(command, args, { cwd, env, signal, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (stream) => (chunk) => {
      output += chunk.toString();
      if (!quiet) stream.write(chunk);
    };
    child.stdout.on('data', keep(process.stdout));
    child.stderr.on('data', keep(process.stderr));
    child.on('error', (err) => {
      output += `${err.message}\n`;
      process.stderr.write(`${command}: ${err.message}\n`);
      resolve({ code: 127, output });
    });
    child.on('close', (code, signal) => {
      resolve({ code: code ?? 128 + (constants.signals[signal] ?? 0), output });
    });
  });
}
