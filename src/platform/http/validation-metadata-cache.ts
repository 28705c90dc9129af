import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Storage = ReturnType<typeof getMetadataStorage> & {
  getTargetValidationMetadatas(
    target: Function,
    schema: string | undefined,
    always: boolean,
    strictGroups: boolean,
    groups?: string[],
  ): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  addValidationMetadata(metadata: ValidationMetadata): void;
};

let installed = false;

/**
 * class-validator looks a class's rules up on every validation of every (nested) object: it filters the
 * class's own rules and walks every class that has rules to find the ones it inherits, then groups them by
 * property. Those answers only change when a decorator adds a rule (while classes load), so they are kept
 * per class and option set, and forgotten whenever a rule is added. Validation with groups or a schema is
 * left as it was (this service uses neither). The cached lists are only read by class-validator.
 */
export function cacheValidationMetadata(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage() as Storage;
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let byTarget = new Map<Function, ValidationMetadata[][]>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();

  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema || (groups && groups.length)) return lookUp(target, schema, always, strictGroups, groups);
    const slot = (always ? 1 : 0) + (strictGroups ? 2 : 0);
    let answers = byTarget.get(target);
    if (!answers) byTarget.set(target, (answers = []));
    return (answers[slot] ??= lookUp(target, schema, always, strictGroups, groups));
  };
  storage.groupByPropertyName = (metadata) => {
    let answer = grouped.get(metadata);
    if (!answer) grouped.set(metadata, (answer = group(metadata)));
    return answer;
  };
  storage.addValidationMetadata = (metadata) => {
    byTarget = new Map();
    grouped = new WeakMap();
    add(metadata);
  };
}
