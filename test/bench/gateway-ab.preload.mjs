// Preloaded (`--import`) into a gateway process by gateway-ab.bench.mjs: with GATEWAY_AB_MAIN set, the process runs
// that build's main.js instead of its own (the import never settles, so the launcher's main.js never starts).
if (process.env.GATEWAY_AB_MAIN) {
  await import(process.env.GATEWAY_AB_MAIN);
  await new Promise(() => undefined);
}
