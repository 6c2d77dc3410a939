// `cargo xtask device-files`: videos as a shopper's browser records them. Headless Chromium's
// own MediaRecorder records two seconds of a changing canvas and a tone, once as WebM and once
// as MP4, and the files are written to HC_OUT as the recorder muxed them (a live WebM with no
// duration in its header, a fragmented MP4). Only the picture and the sound are made up; the
// containers are the browser's. Beside them, `durations.json`: how long Chromium's own player
// says each one is, the reference for a live recording that exiftool gives no length.
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/// File name, and the type the recorder is asked for.
const RECORDINGS = [
  ["mediarecorder.webm", "video/webm;codecs=vp8,opus"],
  ["mediarecorder.mp4", "video/mp4"],
];
const SECONDS = 2;

(async () => {
  const out = env("HC_OUT");
  const browser = await chromium.launch({
    executablePath: env("HC_CHROMIUM"),
    args: [...env("HC_CHROMIUM_FLAGS").split(" "), "--autoplay-policy=no-user-gesture-required"],
  });
  try {
    const page = await browser.newPage();
    const durations = {};
    for (const [name, type] of RECORDINGS) {
      const { base64, duration } = await page.evaluate(
        async ({ type, seconds }) => {
          if (!MediaRecorder.isTypeSupported(type)) throw new Error(`this Chromium cannot record ${type}`);
          const canvas = document.createElement("canvas");
          canvas.width = 320;
          canvas.height = 240;
          document.body.appendChild(canvas);
          const paint = canvas.getContext("2d");
          let frame = 0;
          const timer = setInterval(() => {
            paint.fillStyle = `hsl(${(frame++ * 7) % 360}, 80%, 50%)`;
            paint.fillRect(0, 0, canvas.width, canvas.height);
          }, 33);
          const stream = canvas.captureStream(30);
          const audio = new AudioContext();
          const tone = audio.createOscillator();
          const into = audio.createMediaStreamDestination();
          tone.connect(into);
          tone.start();
          stream.addTrack(into.stream.getAudioTracks()[0]);
          const recorder = new MediaRecorder(stream, { mimeType: type });
          const chunks = [];
          recorder.ondataavailable = (e) => chunks.push(e.data);
          const stopped = new Promise((resolve) => (recorder.onstop = resolve));
          // Data every 500 ms, as a recorder page saving as it goes would ask.
          recorder.start(500);
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
          recorder.stop();
          await stopped;
          clearInterval(timer);
          tone.stop();
          await audio.close();
          canvas.remove();
          const blob = new Blob(chunks, { type });
          // How long the browser itself says the recording is. A live WebM has no duration in
          // its header and reports an infinite one until asked for a point past its end.
          const video = document.createElement("video");
          video.muted = true;
          video.preload = "auto";
          video.src = URL.createObjectURL(blob);
          await new Promise((resolve, reject) => {
            video.onloadedmetadata = resolve;
            video.onerror = () => reject(new Error(`this Chromium cannot play its own ${type}`));
          });
          if (!Number.isFinite(video.duration)) {
            await new Promise((resolve) => {
              video.ondurationchange = () => Number.isFinite(video.duration) && resolve();
              video.currentTime = 1e101;
            });
          }
          const duration = video.duration;
          URL.revokeObjectURL(video.src);
          const bytes = new Uint8Array(await blob.arrayBuffer());
          let text = "";
          for (let at = 0; at < bytes.length; at += 0x8000) {
            text += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
          }
          return { base64: btoa(text), duration };
        },
        { type, seconds: SECONDS },
      );
      fs.writeFileSync(path.join(out, name), Buffer.from(base64, "base64"));
      durations[name] = duration;
    }
    fs.writeFileSync(path.join(out, "durations.json"), JSON.stringify(durations, null, 2));
    process.stdout.write(browser.version());
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
