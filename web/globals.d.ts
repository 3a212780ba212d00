/** Constants the build (scripts/build-web.mjs) writes into the bundle. */
declare const __TRUSTSCOPE_VERSION__: string;
declare const __ORT_WEB_VERSION__: string;
