// Atomic persistence of the store file: a crash mid-write must leave the previous file intact.
import * as fs from 'fs';
import * as path from 'path';

export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

/** The bytes of file, or null when it does not exist. */
export function readFileIfExists(file: string): Uint8Array | null {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Size of file in bytes, or null when it does not exist (or cannot be read). */
export function fileSizeIfExists(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}

/**
 * readFileIfExists on the thread pool, in one read into a buffer of the file's size (fs.promises.readFile
 * reads 512 KB at a time): the caller prepares the database meanwhile.
 */
export async function readFileIfExistsAsync(file: string): Promise<Uint8Array | null> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, size - off, off);
      if (!bytesRead) break;
      off += bytesRead;
    }
    // a file cut short meanwhile: what was there (a torn store fails to open and is rebuilt)
    return off < size ? buf.subarray(0, off) : buf;
  } finally {
    await fh.close();
  }
}
