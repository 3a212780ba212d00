/**
 * The program of the HDF5 worker thread (see h5.ts), as source text: a plain script run with
 * `new Worker(H5_WORKER_SOURCE, { eval: true })`, so it needs no build step and no TypeScript
 * loader. It loads h5wasm, captures HDF5's error stack (printed to stderr by HDF5's default handler),
 * and answers one request at a time on a MessagePort, waking the waiting main thread through a
 * shared Int32Array. It holds no format logic: open/close a file from bytes, and the raw h5wasm
 * calls h5.ts makes, each answered as { ok, value | error, diagnostic }.
 */
export const H5_WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const { port, signal, moduleUrl } = workerData;
let M;
const diagnostics = [];
let counter = 0;
let forcedCloses = 0;

function deepest() {
  let best;
  for (const line of diagnostics) {
    const m = /^\s*#\d+: .*? in ([A-Za-z0-9_]+)\(\): (.*)$/.exec(line);
    if (m) best = m[2].trim() + ' (' + m[1] + ')';
  }
  return best;
}

function oneLine(e) {
  if (e && typeof e === 'object' && 'message' in e) return String(e.message).split('\n')[0] || String(e.name);
  return String(e).split('\n')[0];
}

async function init() {
  const lib = await import(moduleUrl);
  M = await lib.default.ready;
  const stderr = M.FS.getStream(2);
  if (stderr && stderr.tty) {
    stderr.tty.ops = {
      put_char(tty, c) {
        if (c === null || c === 10) {
          if (diagnostics.length < 400) diagnostics.push(String.fromCharCode(...tty.output.slice(0, 2000)));
          tty.output = [];
        } else if (c !== 0) tty.output.push(c);
      },
      fsync(tty) {
        if (tty.output.length > 0) this.put_char(tty, null);
      },
    };
  }
  return { maximumMemory: M.MAXIMUM_MEMORY };
}

function malloc(n) {
  const ptr = M._malloc(Math.max(n, 1));
  if (!ptr) throw new Error('cannot allocate ' + n + ' bytes in the HDF5 library memory');
  M.HEAPU8.fill(0, ptr, ptr + Math.max(n, 1));
  return ptr;
}

function pointersToStrings(ptr, count) {
  const view = new DataView(M.HEAPU8.buffer, ptr, count * 4);
  const out = [];
  for (let i = 0; i < count; i++) {
    const p = view.getUint32(i * 4, true);
    out.push(p === 0 ? '' : M.UTF8ToString(p));
  }
  return out;
}

const CALLS = new Set(['get_names', 'get_type', 'get_attribute_names', 'get_attribute_metadata', 'get_dataset_metadata', 'get_dataset_filters']);

const handlers = {
  init,
  open({ bytes }) {
    const name = '/tmp/trustscope-h5-' + counter++ + '.h5';
    M.FS.writeFile(name, new Uint8Array(bytes), { canOwn: true });
    let id = -1n;
    try {
      id = M.open(name, M.H5F_ACC_RDONLY);
    } finally {
      if (id < 0n) handlers.close({ id, name });
    }
    if (id < 0n) throw new Error('not an HDF5 file');
    return { id, name };
  },
  close({ id, name }) {
    if (id >= 0n) {
      try { M.close_file(id); } catch {}
    }
    try { M.FS.unlink(name); } catch {}
    for (const s of M.FS.streams) {
      if (s && s.path === name) {
        forcedCloses++;
        try { M.FS.close(s); } catch {}
      }
    }
    return M.HEAPU8.length;
  },
  call({ fn, args }) {
    if (!CALLS.has(fn)) throw new Error('not an allowed call: ' + fn);
    return M[fn](...args);
  },
  // An attribute's raw bytes (little-endian), or its strings when variable-length.
  attribute({ id, path, name, nbytes, count, vlen }) {
    const ptr = malloc(nbytes);
    try {
      const status = M.get_attribute_data(id, path, name, BigInt(ptr));
      if (status < 0) throw new Error('HDF5 reported a failure');
      if (vlen) {
        const strings = pointersToStrings(ptr, count);
        M.reclaim_vlen_memory(id, path, name, BigInt(ptr));
        return { status, strings };
      }
      return { status, bytes: M.HEAPU8.slice(ptr, ptr + nbytes) };
    } finally {
      M._free(ptr);
    }
  },
  // A dataset (or a hyperslab of it) as raw little-endian bytes, or strings when variable-length.
  read({ id, path, nbytes, count, offset, vlen }) {
    const ptr = malloc(nbytes);
    try {
      const status = offset
        ? M.get_dataset_data(id, path, count.map(BigInt), offset.map(BigInt), count.map(() => 1n), BigInt(ptr))
        : M.get_dataset_data(id, path, null, null, null, BigInt(ptr));
      if (status < 0) throw new Error('HDF5 reported a failure');
      if (vlen) {
        const strings = pointersToStrings(ptr, nbytes / 4);
        M.reclaim_vlen_memory(id, path, '', BigInt(ptr));
        return { status, strings };
      }
      return { status, bytes: M.HEAPU8.slice(ptr, ptr + nbytes) };
    } finally {
      M._free(ptr);
    }
  },
  state() {
    return {
      openStreams: M.FS.streams.filter(Boolean).length,
      tempFiles: M.FS.readdir('/tmp').filter((n) => n.startsWith('trustscope-h5-')).length,
      heapBytes: M.HEAPU8.length,
      forcedCloses,
    };
  },
};

port.on('message', async (request) => {
  let reply;
  diagnostics.length = 0;
  try {
    const value = await handlers[request.op](request);
    const transfer = value && value.bytes instanceof Uint8Array ? [value.bytes.buffer] : [];
    reply = { seq: request.seq, ok: true, value, diagnostic: deepest() };
    port.postMessage(reply, transfer);
  } catch (e) {
    port.postMessage({ seq: request.seq, ok: false, error: oneLine(e), diagnostic: deepest() });
  }
  diagnostics.length = 0;
  Atomics.store(signal, 0, request.seq);
  Atomics.notify(signal, 0);
});
`;
