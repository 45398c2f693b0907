import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The gateway serves the build under /console (apps/gateway/src/console); hashed names let it cache assets forever. */
export default defineConfig({
  // Vite's config loader sets import.meta.dirname to this file's folder, whatever the working directory.
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP forbids inline scripts: no polyfill snippet in index.html.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
