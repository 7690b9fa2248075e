import { closest } from '../runtime/suggest';

/**
 * The words that make an environment production (stricter checks, longer retention, resources
 * retained): the name itself or one of its "-"-separated words, so "prod-eu" and "eu-production" are.
 */
export const PRODUCTION_ENVIRONMENTS = ['prod', 'production'];

export function isProductionEnvironment(environment: string): boolean {
  return environment.split('-').some((word) => PRODUCTION_ENVIRONMENTS.includes(word));
}

/** The production word a word of a non-production name is one typo from ("prdo", "prodution"), if any. */
export function productionNearMiss(environment: string): string | undefined {
  for (const word of environment.split('-')) {
    const match = closest(word, PRODUCTION_ENVIRONMENTS);
    if (match !== undefined) return match;
  }
  return undefined;
}
