import { existsSync } from 'node:fs';

/**
 * The font files figures are drawn with. resvg draws no text without a font, and which fonts a
 * machine has decides how a PNG looks, so DejaVu Sans (Debian's `fonts-dejavu-core`) is preferred
 * and loaded by path: the same figure comes out the same on every machine that has it.
 */
export const PLOT_FONT_FAMILY = 'DejaVu Sans';

const DEJAVU_DIRS = [
  '/usr/share/fonts/truetype/dejavu', // Debian, Ubuntu
  '/usr/share/fonts/dejavu-sans-fonts', // Fedora
  '/usr/share/fonts/dejavu', // Alpine
  '/usr/share/fonts/TTF', // Arch
  '/opt/homebrew/share/fonts',
  '/usr/local/share/fonts',
];

/** DejaVu Sans regular and bold, if installed; an empty list otherwise. */
export function dejaVuFontFiles(): string[] {
  for (const dir of DEJAVU_DIRS) {
    const files = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((name) => `${dir}/${name}`);
    if (files.every((file) => existsSync(file))) return files;
  }
  return [];
}
