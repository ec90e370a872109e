import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// `vite build web` (root = web/) -> web/dist. In dev (`vite web`), /api goes to the local host.
export default defineConfig({
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { '/api': { target: 'http://localhost:7071', ws: true } },
  },
});
