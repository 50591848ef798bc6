import { addBenignVariants } from './benign';
import { addFileAndExecVariants } from './files';
import { addNetworkVariants } from './network';
import type { Collect, CorpusEnv, Variant } from './shared';
import { addYamlVariants } from './yaml';

export { RECORDS, type Variant } from './shared';

export function buildCorpus(env: CorpusEnv): Variant[] {
  const v: Variant[] = [];
  const collect: Collect = {
    hostile: (group, name, text, at) => v.push({ group, name, text, refusedAt: at }),
    benign: (name, text, context) => v.push({ group: 'benign', name, text, context }),
  };
  addFileAndExecVariants(env, collect);
  addNetworkVariants(env, collect);
  addYamlVariants(env, collect);
  addBenignVariants(collect);
  return v;
}
