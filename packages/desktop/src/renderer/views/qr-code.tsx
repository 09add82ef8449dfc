import { useMemo } from 'preact/hooks';
import QRCode from 'qrcode';

/** The quiet zone around a QR code, in modules (the standard asks for 4). */
const QUIET_ZONE = 4;

/** One SVG path with a square per dark module of the QR code of `text`. */
export function qrPath(text: string): { size: number; path: string } {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  let path = '';
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col)) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return { size: modules.size + 2 * QUIET_ZONE, path };
}

/** A QR code drawn as inline SVG (no images, no inline scripts: fits the strict CSP). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => qrPath(text), [text]);
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      shape-rendering="crispEdges"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#111" />
    </svg>
  );
}
