import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCKERFILE = 'temporal-docker/Dockerfile.worker';
const OFFLINE_BASE_SCRIPT = path.join(ROOT, 'temporal-docker', 'build-offline-base.sh');
/** Label holding the hash of everything the image is built from; an image with the same hash is reused. */
export const CONTENT_HASH_LABEL = 'dreamos.content-hash';
const BUILT_BY_LABEL = 'dreamos.built-by';
const BUILT_BY = 'test/docker';

export const progress = (line: string): void => {
  process.stdout.write(`[docker-test] ${line}\n`);
};

/** A Docker engine that answers, or an error saying how to start one. Never a skip. */
export async function dockerOrFail(): Promise<Docker> {
  const docker = new Docker();
  try {
    const version = await docker.version();
    progress(`Docker engine ${version.Version} (API ${version.ApiVersion})`);
    return docker;
  } catch (err) {
    throw new Error(
      `Docker is not available (${err instanceof Error ? err.message : String(err)}); the worker-image tests need a running engine.\n` +
        '  fix: apt-get install -y docker.io && dockerd >/tmp/dockerd.log 2>&1 & (then wait for /var/run/docker.sock), or set DOCKER_HOST.',
    );
  }
}

async function imageId(docker: Docker, name: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(name).inspect()).Id;
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/** The base image's id; the offline base is built from this host's node when it is missing. */
export async function ensureBaseImage(docker: Docker, name: string): Promise<string> {
  const existing = await imageId(docker, name);
  if (existing) return existing;
  if (name !== 'dreamos/node-base:local') {
    throw new Error(`Base image ${name} is not present and no registry is reachable: pull it elsewhere, or unset DREAMOS_BASE_IMAGE to use the offline base.`);
  }
  progress(`${name} is missing: building it with temporal-docker/build-offline-base.sh`);
  await run('bash', [OFFLINE_BASE_SCRIPT, name]);
  return (await imageId(docker, name))!;
}

/**
 * What goes into the build context, read from the repository's .dockerignore, which is a
 * whitelist: `*`, then `!entry` lines to include and plain lines to exclude again.
 */
export function buildContext(): { include: string[]; exclude: string[] } {
  const lines = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && line !== '*');
  return {
    include: [...lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1)), DOCKERFILE],
    exclude: lines.filter((l) => !l.startsWith('!')),
  };
}

function walk(file: string, excluded: (rel: string) => boolean, visit: (rel: string) => void): void {
  const rel = path.relative(ROOT, file);
  if (excluded(rel) || !fs.existsSync(file)) return;
  if (fs.statSync(file).isDirectory()) {
    for (const name of fs.readdirSync(file).sort()) walk(path.join(file, name), excluded, visit);
  } else {
    visit(rel);
  }
}

/**
 * Hash of the image's inputs: the base image, the build files, the lockfiles (which fix
 * node_modules; hashing 400 MB of packages on every run would cost more than it saves) and
 * every file of dist/ that goes in.
 */
export function contentHash(baseImageId: string): string {
  const hash = crypto.createHash('sha256').update(baseImageId);
  const { include, exclude } = buildContext();
  const excluded = (rel: string) => exclude.some((e) => rel === e || rel.startsWith(`${e}/`));
  const add = (rel: string) => hash.update(rel).update(fs.readFileSync(path.join(ROOT, rel)));
  for (const rel of ['.dockerignore', 'node_modules/.package-lock.json', ...include.filter((e) => e !== 'node_modules')]) {
    walk(path.join(ROOT, rel), excluded, add);
  }
  return hash.digest('hex').slice(0, 16);
}

function contextTar(): NodeJS.ReadableStream {
  const { include, exclude } = buildContext();
  const entries = include.filter((e) => fs.existsSync(path.join(ROOT, e)));
  const tar = spawn('tar', ['-C', ROOT, '--anchored', ...exclude.map((e) => `--exclude=${e}`), '-cf', '-', ...entries], { stdio: ['ignore', 'pipe', 'inherit'] });
  return tar.stdout;
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * The worker image for the current build (dist/), reused when an image with the same content
 * hash exists, built with dockerode otherwise. Previous images this helper built are removed.
 */
export async function ensureWorkerImage(docker: Docker, baseImage: string): Promise<string> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'workflow-bundles', 'agents.js'))) {
    throw new Error('dist/ is not built: run `npm run build` (npm test does it through its pretest step).');
  }
  const baseId = await ensureBaseImage(docker, baseImage);
  const hash = contentHash(baseId);
  const tag = `dreamos/worker:test-${hash}`;
  const found = await docker.listImages({ filters: { label: [`${CONTENT_HASH_LABEL}=${hash}`] } });
  if (found.length > 0) {
    progress(`reusing ${tag} (content hash ${hash})`);
    return found[0].Id;
  }
  progress(`building ${tag} on ${baseImage} (sends dist/ and node_modules, about a minute or two) ...`);
  const started = Date.now();
  const stream = await docker.buildImage(contextTar(), {
    t: tag,
    dockerfile: DOCKERFILE,
    buildargs: { BASE_IMAGE: baseImage },
    labels: { [CONTENT_HASH_LABEL]: hash, [BUILT_BY_LABEL]: BUILT_BY },
    rm: true,
    forcerm: true,
  });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: BuildEvent[]) => {
        const failed = events?.find((e) => e.error);
        if (err || failed) reject(new Error(`docker build of ${DOCKERFILE} failed: ${err?.message ?? failed?.errorDetail?.message ?? failed?.error}`));
        else resolve();
      },
      (event: BuildEvent) => {
        const line = event.stream?.trim();
        if (line && (line.startsWith('Step ') || line.startsWith('[prune]'))) progress(line);
      },
    );
  });
  const id = (await imageId(docker, tag))!;
  progress(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await removeOlderImages(docker, hash);
  return id;
}

async function removeOlderImages(docker: Docker, keepHash: string): Promise<void> {
  const older = await docker.listImages({ filters: { label: [`${BUILT_BY_LABEL}=${BUILT_BY}`] } });
  for (const image of older) {
    if (image.Labels?.[CONTENT_HASH_LABEL] === keepHash) continue;
    try {
      await docker.getImage(image.Id).remove({ force: false });
      progress(`removed the outdated test image ${image.Id.slice(7, 19)}`);
    } catch {
      // Still used by a container someone else runs: leave it.
    }
  }
}
