/**
 * Chat commands: text that starts with "/" ("//" escapes it). Pure: no I/O, unit-tested on its own.
 */
export type Command =
  | { name: 'help' }
  | { name: 'who' }
  | { name: 'title'; title: string }
  | { name: 'invite'; usernames: string[] }
  | { name: 'kick'; username: string }
  | { name: 'leave' }
  | { name: 'pin' }
  | { name: 'unpin' };

export type ParsedText =
  | { kind: 'text'; text: string }
  | { kind: 'command'; command: Command }
  | { kind: 'error'; code: 'UNKNOWN_COMMAND' | 'VALIDATION_FAILED'; message: string };

export const COMMAND_HELP: Array<{ command: string; usage: string; description: string }> = [
  { command: 'help', usage: '/help', description: 'list the commands' },
  { command: 'who', usage: '/who', description: 'members of this chat and who is online' },
  { command: 'title', usage: '/title NEW TITLE', description: 'rename the group (owner or admin)' },
  { command: 'invite', usage: '/invite @user …', description: 'add members to the group (owner or admin)' },
  { command: 'kick', usage: '/kick @user', description: 'remove a member (owner or admin)' },
  { command: 'leave', usage: '/leave', description: 'leave the group' },
  { command: 'pin', usage: '/pin', description: 'pin this chat on top of your list' },
  { command: 'unpin', usage: '/unpin', description: 'unpin this chat' },
];

const USERNAME = /^@?([A-Za-z0-9_.]{3,32})$/;

function usernames(args: string): string[] | null {
  const parts = args.split(/\s+/).filter(Boolean);
  const names = parts.map((p) => USERNAME.exec(p)?.[1]);
  return names.length && names.every((n): n is string => !!n) ? names : null;
}

export function parseText(text: string): ParsedText {
  if (!text.startsWith('/')) return { kind: 'text', text };
  if (text.startsWith('//')) return { kind: 'text', text: text.slice(1) };
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(text)!;
  const name = match[1].toLowerCase();
  const args = match[2].trim();
  const noArgs = (command: Command): ParsedText =>
    args ? { kind: 'error', code: 'VALIDATION_FAILED', message: `/${name} takes no arguments` } : { kind: 'command', command };
  switch (name) {
    case 'help':
      return noArgs({ name: 'help' });
    case 'who':
      return noArgs({ name: 'who' });
    case 'leave':
      return noArgs({ name: 'leave' });
    case 'pin':
      return noArgs({ name: 'pin' });
    case 'unpin':
      return noArgs({ name: 'unpin' });
    case 'title': {
      const length = [...args].length;
      if (length < 1 || length > 100)
        return { kind: 'error', code: 'VALIDATION_FAILED', message: 'usage: /title NEW TITLE (1–100 characters)' };
      return { kind: 'command', command: { name: 'title', title: args } };
    }
    case 'invite': {
      const names = usernames(args);
      if (!names) return { kind: 'error', code: 'VALIDATION_FAILED', message: 'usage: /invite @user …' };
      return { kind: 'command', command: { name: 'invite', usernames: [...new Set(names)] } };
    }
    case 'kick': {
      const names = usernames(args);
      if (!names || names.length !== 1) return { kind: 'error', code: 'VALIDATION_FAILED', message: 'usage: /kick @user' };
      return { kind: 'command', command: { name: 'kick', username: names[0] } };
    }
    default:
      return { kind: 'error', code: 'UNKNOWN_COMMAND', message: `unknown command /${name}; try /help` };
  }
}
