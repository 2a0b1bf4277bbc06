// Secret values never reach a message: every value of a Secret being applied (as
// written, base64-encoded and decoded, JSON-escaped) is replaced with `***` in
// any error text about it, whatever the API server or an admission webhook echoed.
import type { KubeObject } from '../api/object.js';
import { LAST_APPLIED_ANNOTATION } from './policies.js';

export const MASK = '***';

// Values this short are masked only where they stand alone, or every message
// about a Secret holding "a" would lose its letters.
const SHORT = 4;

export type Masker = (text: string) => string;

export const noMask: Masker = (text) => text;

export function isSecret(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  return obj.apiVersion === 'v1' && obj.kind === 'Secret';
}

/** A masker for the values of `objects` that are Secrets (others contribute nothing). */
export function secretMasker(...objects: (KubeObject | undefined)[]): Masker {
  const values = new Set<string>();
  for (const obj of objects) {
    if (obj === undefined || !isSecret(obj)) continue;
    for (const value of secretValues(obj)) addForms(values, value);
  }
  if (values.size === 0) return noMask;
  // Longest first, so a value is masked before a shorter one inside it.
  const sorted = [...values].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of sorted) {
      out = value.length >= SHORT ? out.split(value).join(MASK) : maskStandalone(out, value);
    }
    return out;
  };
}

function secretValues(obj: KubeObject): string[] {
  const raw = obj as unknown as { data?: unknown; stringData?: unknown };
  const out: string[] = [];
  for (const field of [raw.data, raw.stringData]) {
    if (typeof field !== 'object' || field === null) continue;
    for (const value of Object.values(field as Record<string, unknown>)) {
      if (typeof value === 'string') out.push(value);
    }
  }
  // kubectl's record of the last apply holds the values too.
  const lastApplied = obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (lastApplied !== undefined) out.push(lastApplied);
  return out;
}

function addForms(values: Set<string>, value: string): void {
  if (value === '') return;
  const forms = [value, Buffer.from(value, 'utf8').toString('base64')];
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  // Only a decoding that yields text is a form the value can be echoed in.
  if (decoded !== '' && !decoded.includes('\uFFFD')) forms.push(decoded);
  for (const form of forms) {
    values.add(form);
    const escaped = JSON.stringify(form).slice(1, -1);
    if (escaped !== form) values.add(escaped);
  }
}

function maskStandalone(text: string, value: string): string {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`(?<![A-Za-z0-9+/=])${escaped}(?![A-Za-z0-9+/=])`, 'g'), MASK);
}
