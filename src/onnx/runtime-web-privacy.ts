/**
 * The browser stand-in for ort-privacy.ts (the workbench build aliases it in place of that module).
 * onnxruntime-web has no telemetry to switch off, and a page has no `process.env`: the Node module
 * would throw at load. Telemetry-free is checked by test/web/workbench.browser.test.ts, which records
 * every request a whole session makes.
 */
export {};
