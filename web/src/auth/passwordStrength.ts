// The server's rule for new passwords (src/features/accounts/password_strength.*), checked before a
// form is sent: at least 10 characters and a zxcvbn score of 3 or more (about 10^8 guesses). The
// estimator and its dictionaries are a lazy chunk, loaded when a form first asks; the server still
// decides, and its message is shown if it disagrees.
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

export const MIN_PASSWORD_SCORE = 3;
/** The rule in words, under every new-password field. */
export const PASSWORD_HINT = 'At least 10 characters and hard to guess: a few unrelated words work well';
const ESTIMATED_PREFIX = 100; // as on the server: a long tail adds nothing zxcvbn could judge

let estimator: Promise<ZxcvbnFactory> | null = null;

export function loadPasswordEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(
    ([core, common, en]) =>
      new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      }),
  );
  return estimator;
}

/**
 * What is wrong with `password` as a new password (in the server's words), or undefined.
 * `userInputs`: the username and email (whole), as the server checks them: neither may be the
 * password, and their parts count as guessable words.
 */
export async function passwordProblem(password: string, userInputs: string[] = []): Promise<string | undefined> {
  const length = [...password].length; // characters (code points), as the server counts
  if (length < 10) return 'must be at least 10 characters';
  if (length > 256) return 'must be at most 256 characters';
  const lower = password.toLowerCase();
  if (userInputs.some((w) => w && w.toLowerCase() === lower)) return 'must not be your username or email';
  const words = userInputs.flatMap((w) => (w.includes('@') ? [w.split('@')[0]] : [w]));
  let zxcvbn: ZxcvbnFactory;
  try {
    zxcvbn = await loadPasswordEstimator();
  } catch {
    estimator = null;
    return undefined; // the chunk did not load: leave the judgement to the server
  }
  const result = zxcvbn.check(password.slice(0, ESTIMATED_PREFIX), words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3));
  if (result.score >= MIN_PASSWORD_SCORE) return undefined;
  const why = (result.feedback.warning ?? result.feedback.suggestions[0] ?? 'too predictable').replace(/\.$/, '');
  return `is too easy to guess (${why.charAt(0).toLowerCase()}${why.slice(1)}); use a longer passphrase of several unrelated words`;
}
