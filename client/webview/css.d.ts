/**
 * Lets the webview entry import its stylesheet: esbuild emits the imported CSS as dist/webview.css beside dist/webview.js,
 * which the host links from the extension's own URI (the Content-Security-Policy allows no inline styles).
 */
declare module "*.css";
