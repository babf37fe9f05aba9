import { NumberFormat } from '../spec/vocabulary';

/** The text a number is tokenized as: `plain` "-1234", `space` " -1234" (as inside running text), `comma` "-1,234". */
export function formatNumber(value: number, format: NumberFormat): string {
  const plain = String(value);
  switch (format) {
    case 'plain':
      return plain;
    case 'space':
      return ` ${plain}`;
    case 'comma':
      return groupThousands(plain);
  }
}

function groupThousands(plain: string): string {
  const sign = plain.startsWith('-') ? '-' : '';
  const digits = sign ? plain.slice(1) : plain;
  const head = digits.length % 3 || 3;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3);
  return sign + out;
}
