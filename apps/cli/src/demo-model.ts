import path from 'node:path';
import { writeDemoModel } from '@tokensweep/analysis/demo/demo-model';

/** `npm run demo-model [DIR]`: writes the offline demo model (real GPT-2 tokenizer, seeded random wte [50257, 64]). */
async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? 'demo-model');
  await writeDemoModel(dir);
  process.stdout.write(
    `demo model written to ${dir}\ntry: npx tokensweep run --model ${path.relative(process.cwd(), dir) || '.'} --out results/demo\n`,
  );
}

void main();
