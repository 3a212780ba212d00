/**
 * Stand-in for the Node built-ins (fs, path, crypto…) that modules the workbench bundles import for
 * their path-based functions. The workbench hands readers bytes, never paths, so none of these is
 * called; if one ever is, it says so in one line instead of failing somewhere inside a bundle.
 */
function nodeOnly(name: string): never {
  throw new Error(`${name} needs Node's file system; the browser workbench works on dropped files`);
}

export const open = () => nodeOnly('open');
export const readFile = () => nodeOnly('readFile');
export const readFileSync = () => nodeOnly('readFileSync');
export const existsSync = () => false;
export const realpathSync = () => nodeOnly('realpathSync');
export const createReadStream = () => nodeOnly('createReadStream');
export const writeFile = () => nodeOnly('writeFile');
export const mkdir = () => nodeOnly('mkdir');
export const rename = () => nodeOnly('rename');
export const stat = () => nodeOnly('stat');
export const unlink = () => nodeOnly('unlink');
export const readdir = () => nodeOnly('readdir');
export const randomBytes = () => nodeOnly('randomBytes');
export const createHash = () => nodeOnly('createHash');
export const fileURLToPath = () => nodeOnly('fileURLToPath');
export const pathToFileURL = () => nodeOnly('pathToFileURL');
export const cpus = () => [];
export const tmpdir = () => nodeOnly('tmpdir');
/** Only the HDF5 reader (EMD) starts Node worker threads: say what to do instead. */
function hdf5(): never {
  throw new Error("HDF5/EMD files are read by a Node worker thread, which a browser does not have; convert the file with 'trustscope convert --input FILE.emd' and drop its data.npy");
}
export class Worker {
  constructor() {
    hdf5();
  }
}
export class MessageChannel {
  constructor() {
    hdf5();
  }
}
export const receiveMessageOnPort = () => nodeOnly('receiveMessageOnPort');
export const workerData = undefined;
// node:path: pure string functions, enough for messages.
export const sep = '/';
export function extname(p: string): string {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}
export function basename(p: string, ext?: string): string {
  const base = p.slice(p.lastIndexOf('/') + 1);
  return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}
export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : p.slice(0, i);
}
export function join(...parts: string[]): string {
  return parts.filter(Boolean).join('/').replace(/\/+/g, '/');
}
export const resolve = join;
export const relative = (_a: string, b: string) => b;
export default { open, readFile, extname, basename, dirname, join, resolve, sep };
