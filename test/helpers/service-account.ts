/** A throwaway Google service account key (fresh RSA key) whose tokens come from `tokenUri`. */
import { generateKeyPairSync } from 'node:crypto';

export function serviceAccountJson(tokenUri: string, email = 'portico-test@proj-1.iam.gserviceaccount.com') {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    project_id: 'proj-1',
    private_key_id: 'test-key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '1234567890',
    token_uri: tokenUri,
  });
}
