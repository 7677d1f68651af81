// Preloaded into the console's `next start` child (node --require): exits when the process that
// started it is gone, so a console killed with SIGKILL never leaves a server holding its port.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
