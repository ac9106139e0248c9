// Chat commands ("/who", "/pin" …): sent like a message, answered by the server with
// { type: 'command', command, result, message }; the answer is shown as a notice, never stored here.
import { applyPinned, removeChat } from './chats.js';
import { receive } from './history.js';
import { failed, notice } from './state.js';
import { sendToServer } from './transport.js';
import { rememberUser, userName } from './users.js';

/** Text that starts with "/" is a command; "//" escapes it (the server stores "/…"). */
export function isCommand(text) {
  return text.startsWith('/') && !text.startsWith('//');
}

export async function runCommand(chatId, clientId, text) {
  try {
    answered(chatId, await sendToServer(chatId, { clientId, text }));
  } catch (err) {
    failed(err);
  }
}

function answered(chatId, { command, result, message }) {
  if (message) receive(message); // the system message a change to the chat stored
  switch (command) {
    case 'help':
      notice(result.commands.map((c) => `${c.usage} — ${c.description}`).join('\n'));
      break;
    case 'who':
      result.members.forEach((m) => rememberUser(m.user));
      notice(
        result.members
          .map((m) => `${m.user.displayName || m.user.username} (@${m.user.username}) — ${m.role}, ${m.user.online ? 'online' : 'offline'}`)
          .join('\n'),
      );
      break;
    case 'title':
      notice(`Renamed to “${result.title}”`);
      break;
    case 'invite':
      notice(`Added ${result.userIds.length} member(s)`);
      break;
    case 'kick':
      notice(`Removed ${userName(result.userId)}`);
      break;
    case 'leave':
      notice('You left the chat');
      removeChat(chatId);
      break;
    case 'pin':
    case 'unpin':
      applyPinned(chatId, result.pinned);
      notice(result.pinned ? 'Chat pinned' : 'Chat unpinned');
      break;
    default:
      notice(`/${command}: ${JSON.stringify(result)}`);
  }
}
