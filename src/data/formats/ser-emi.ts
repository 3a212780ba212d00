/**
 * The .emi beside a TIA .ser: its <ObjectInfo> XML block (ExperimentalDescription, AcquireDate,
 * AcquireInfo) parsed into `EmiInfo`, and finding the .emi next to a .ser path. Separate from ser.ts
 * (the binary series reader) because it is optional text metadata with its own never-throw rules.
 */

/** What the .emi beside a .ser says; see `parseEmi`. */
export interface EmiInfo {
  readonly file: string;
  readonly object: number;
  readonly experimental: Record<string, string | number>;
  readonly microscope?: string;
  readonly highTension_kV?: number;
  readonly magnification?: number;
  readonly mode?: string;
  readonly cameraLength_m?: number;
  readonly acquireDate?: string;
  readonly date?: string;
  readonly time?: string;
  readonly camera?: string;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}

function tagText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m ? unescapeXml(m[1]) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The <ObjectInfo> XML blocks of an .emi file, and what the `object`-th says (rsciio pairs
 * name_N.ser with block N-1). Undefined when there is no such block; never throws.
 */
export function parseEmi(bytes: Uint8Array, file: string, object: number): EmiInfo | undefined {
  try {
    const all = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const blocks = all.match(/<ObjectInfo>[\s\S]*?<\/ObjectInfo>/g) ?? [];
    const xml = blocks[object];
    if (xml === undefined) return undefined;
    const experimental: Record<string, string | number> = {};
    const description = /<ExperimentalDescription>([\s\S]*?)<\/ExperimentalDescription>/.exec(xml)?.[1] ?? '';
    for (const data of description.match(/<Data>[\s\S]*?<\/Data>/g) ?? []) {
      const label = tagText(data, 'Label');
      if (!label) continue;
      const value = tagText(data, 'Value') ?? '';
      const unit = tagText(data, 'Unit') ?? '';
      const number = Number(value);
      experimental[unit ? `${label}_${unit}` : label] = unit && value !== '' && Number.isFinite(number) ? number : value;
    }
    const num = (key: string) => (typeof experimental[key] === 'number' ? (experimental[key] as number) : undefined);
    const acquireDate = tagText(xml, 'AcquireDate');
    const dt = acquireDate ? /^\w{3} (\w{3}) +(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4})$/.exec(acquireDate) : null;
    const month = dt ? MONTHS.indexOf(dt[1]) + 1 : 0;
    const acquireInfo = /<AcquireInfo>([\s\S]*?)<\/AcquireInfo>/.exec(xml)?.[1];
    const microscope = experimental['Microscope'];
    return {
      file,
      object,
      experimental,
      ...(typeof microscope === 'string' ? { microscope: microscope.replace('Microscope ', '') } : {}),
      ...(num('High tension_kV') !== undefined ? { highTension_kV: num('High tension_kV') } : {}),
      ...(num('Magnification_x') !== undefined ? { magnification: num('Magnification_x') } : {}),
      ...(typeof experimental['Mode'] === 'string' ? { mode: experimental['Mode'] as string } : {}),
      ...(num('Camera length_m') !== undefined ? { cameraLength_m: num('Camera length_m') } : {}),
      ...(acquireDate ? { acquireDate } : {}),
      ...(dt && month ? { date: `${dt[4]}-${String(month).padStart(2, '0')}-${dt[2].padStart(2, '0')}`, time: dt[3] } : {}),
      ...(acquireInfo !== undefined && /<CameraNamePath>/.test(acquireInfo) ? { camera: tagText(acquireInfo, 'CameraNamePath') ?? '' } : {}),
    };
  } catch {
    return undefined;
  }
}

const EMI_MAX_BYTES = 64 * 1024 * 1024;

/** The .emi beside a .ser path (name_N.ser → name.emi, else name.ser → name.emi), if readable. */
export async function emiBeside(source: string): Promise<EmiInfo | undefined> {
  try {
    if (!/\.ser$/i.test(source)) return undefined;
    const numbered = /^(.*)_(\d+)\.ser$/i.exec(source);
    const candidates: [string, number][] = [];
    if (numbered) for (const ext of ['.emi', '.EMI']) candidates.push([numbered[1] + ext, Number(numbered[2]) - 1]);
    for (const ext of ['.emi', '.EMI']) candidates.push([source.replace(/\.ser$/i, ext), 0]);
    const { readFile, stat } = await import('node:fs/promises');
    const { basename } = await import('node:path');
    for (const [path, object] of candidates) {
      try {
        const s = await stat(path);
        if (!s.isFile() || s.size > EMI_MAX_BYTES) continue;
        const info = parseEmi(new Uint8Array(await readFile(path)), basename(path), object);
        if (info) return info;
      } catch {
        // not there or not readable: the .emi is optional
      }
    }
  } catch {
    // no file system (the browser workbench): no .emi
  }
  return undefined;
}
