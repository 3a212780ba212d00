/**
 * Turns ONNX Runtime's usage telemetry off before the runtime starts. runtime.ts imports this module
 * first, so it runs before onnxruntime-node is loaded (ES modules evaluate their imports in order).
 *
 * Why: the official Linux and macOS builds of ONNX Runtime (1.29 and later) record every process
 * and session — CPU model, OS, memory, model producer, graph hashes — in
 * `$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db` (else `~/.cache/…`), keep a
 * persistent `deviceid` beside it, leave `$TMPDIR/mat-debug-<pid>.log`, and try to upload to
 * mobile.events.data.microsoft.com. With an unwritable cache folder it writes `:memory:.ses` into
 * the current directory instead. Measured on onnxruntime-node 1.29.0, 1.30.0 and 1.31.1.
 *
 * How: the native library reads ORT_DISABLE_TELEMETRY when it creates its environment (at the first
 * session); set to 1 it creates no uploader, no event store, no device id and no debug log. Upstream's
 * main branch has renamed the switch ORT_TELEMETRY_DISABLED; setting both keeps the opt-out when the
 * pinned version moves. A value the user set explicitly (e.g. ORT_DISABLE_TELEMETRY=0 to opt in) wins.
 */
const SWITCHES = ['ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED'] as const;

/** The value every unset switch receives: the user's explicit choice on either name, else off ("1"). */
export function telemetryDecision(env: NodeJS.ProcessEnv): string {
  for (const name of SWITCHES) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return value;
  }
  return '1';
}

export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  const value = telemetryDecision(env);
  for (const name of SWITCHES) if (env[name] === undefined || env[name]!.trim() === '') env[name] = value;
}

disableOrtTelemetry();
