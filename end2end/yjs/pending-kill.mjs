// Issue 14, item 5, with the reference Yjs client (npm `yjs`): an update whose dependency the
// server has not seen is either stored before Préau acknowledges it, or never acknowledged.
//
// A Yjs document makes two edits, the second depending on the first. The second alone is sent
// as a tracked update (Préau's frame 101, acknowledged by frame 100 once stored); then the
// server is killed with SIGKILL and started again on the same database; then the first edit
// is sent. A fresh Yjs client then syncs the pad: if the second edit was acknowledged, the
// text must hold both parts. It used to be acknowledged and lost.
//
//   PREAU_BIN=target/release/preau PREAU_DEMO_PASSWORD=... \
//     PREAU_YJS_DATABASE_URL=sqlite://target/e2e/yjs.db?mode=rwc node end2end/yjs/pending-kill.mjs
//
// Only 127.0.0.1; it stops by itself (every wait has a deadline) and stops its server.
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const BIN = process.env.PREAU_BIN;
const PASSWORD = process.env.PREAU_DEMO_PASSWORD;
const DATABASE_URL = process.env.PREAU_YJS_DATABASE_URL;
if (!BIN || !PASSWORD || !DATABASE_URL) {
  console.error('PREAU_BIN, PREAU_DEMO_PASSWORD and PREAU_YJS_DATABASE_URL are needed');
  process.exit(2);
}
const WAIT_MS = 15_000;
const [SYNC, STEP1, STEP2, UPDATE, ACK, TRACKED] = [0, 0, 1, 2, 100, 101];

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const port = await freePort();
const base = `http://127.0.0.1:${port}`;

let server;
async function start() {
  server = spawn(BIN, [], {
    env: {
      ...process.env,
      DATABASE_URL,
      PREAU_DEMO: '1',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + WAIT_MS * 4;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('Préau did not start');
}
function kill9() {
  return new Promise((resolve) => {
    server.once('exit', resolve);
    server.kill('SIGKILL');
  });
}

async function login(username) {
  const r = await fetch(`${base}/api/connexion`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ identifiant: username, mot_de_passe: PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login of ${username}: ${r.status}`);
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

async function createPad(cookie) {
  const html = await (await fetch(`${base}/pads`, { headers: { cookie } })).text();
  const unite = html.match(/name="unite" value="(c:\d+)"/)[1];
  const r = await fetch(`${base}/api/pads/creer`, {
    method: 'POST',
    headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ unite, titre: 'Yjs et SIGKILL', modification: 'class' }),
  });
  if (r.status !== 200) throw new Error(`creating the pad: ${r.status}`);
  return (await r.text()).trim().replace(/"/g, '');
}

// A pad socket; `frames` collects what the server sends, decoded.
function connect(pad, cookie) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/pads/${pad}`, { headers: { cookie, origin: base } });
  ws.binaryType = 'arraybuffer';
  const frames = [];
  let wake = () => {};
  ws.on('message', (data) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(d);
    if (type === ACK) frames.push({ ack: decoding.readVarUint(d) });
    else if (type === SYNC) {
      const step = decoding.readVarUint(d);
      frames.push({ step, update: decoding.readVarUint8Array(d) });
    }
    wake();
  });
  ws.on('close', (code) => {
    frames.push({ closed: code });
    wake();
  });
  const opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  // Resolves with the first frame `pick` accepts, or null at the deadline.
  const waitFor = async (pick) => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = frames.find(pick);
      if (found) return found;
      if (Date.now() > deadline) return null;
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  const send = (write) => {
    const e = encoding.createEncoder();
    write(e);
    ws.send(encoding.toUint8Array(e));
  };
  return { ws, opened, waitFor, send };
}

const tracked = (seq, update) => (e) => {
  encoding.writeVarUint(e, TRACKED);
  encoding.writeVarUint(e, seq);
  encoding.writeVarUint8Array(e, update);
};

async function sendTracked(pad, cookie, update) {
  const c = connect(pad, cookie);
  await c.opened;
  await c.waitFor((f) => f.step === STEP2); // the pad as it is, then edits are taken
  c.send(tracked(1, update));
  const answer = await c.waitFor((f) => f.ack >= 1 || f.closed !== undefined);
  c.ws.close();
  return answer;
}

let failed = false;
try {
  await start();
  const prof = await login('demo.prof');
  const pad = await createPad(prof);

  // Two edits of one Yjs writer; the second depends on the first.
  const doc = new Y.Doc();
  const updates = [];
  doc.on('update', (u) => updates.push(u));
  doc.getText('content').insert(0, 'Bonjour');
  doc.getText('content').insert(7, ' le monde');
  const [first, second] = updates;

  const answer = await sendTracked(pad, prof, second);
  const acked = answer !== null && answer.ack >= 1;
  console.log(`yjs pending update: ${acked ? 'acknowledged' : `not acknowledged (${JSON.stringify(answer)})`}`);
  await kill9();
  await start();
  const after = await sendTracked(pad, prof, first);
  if (!(after && after.ack >= 1)) throw new Error(`the first edit was not acknowledged: ${JSON.stringify(after)}`);

  // A fresh Yjs client syncs the pad from nothing.
  const reader = connect(pad, prof);
  await reader.opened;
  reader.send((e) => {
    encoding.writeVarUint(e, SYNC);
    encoding.writeVarUint(e, STEP1);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  });
  const got = await reader.waitFor((f) => f.step === STEP2);
  reader.ws.close();
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, got.update);
  const text = fresh.getText('content').toString();
  if (acked && text !== 'Bonjour le monde') {
    throw new Error(`acknowledged, then lost by SIGKILL: the pad reads « ${text} »`);
  }
  if (!acked && text !== 'Bonjour') {
    throw new Error(`not acknowledged, yet the pad reads « ${text} »`);
  }
  console.log(`yjs pending update after SIGKILL and the dependency: « ${text} » (ok)`);
} catch (e) {
  console.error(`yjs pending update: FAILED: ${e.message}`);
  failed = true;
} finally {
  if (server && server.exitCode === null) server.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
