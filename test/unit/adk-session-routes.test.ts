import { registerAdkSessionRoute, statusSessionForAdkSession } from '../../src/context/adk-session-routes.js';
import { createStatusSession } from '../../src/context/status-session.js';

describe('ADK session routes', () => {
  it('keeps two users with the same ADK session id apart', () => {
    const first = createStatusSession({ sessionId: 'browser-1' });
    const second = createStatusSession({ sessionId: 'browser-2' });
    const undoFirst = registerAdkSessionRoute('user-1', 'default', first);
    const undoSecond = registerAdkSessionRoute('user-2', 'default', second);
    expect(statusSessionForAdkSession({ userId: 'user-1', sessionId: 'default' })).toBe(first);
    expect(statusSessionForAdkSession({ userId: 'user-2', sessionId: 'default' })).toBe(second);
    expect(statusSessionForAdkSession({ sessionId: 'default' })).toBeUndefined();
    undoSecond();
    undoFirst();
    undoFirst();
    expect(statusSessionForAdkSession({ userId: 'user-1', sessionId: 'default' })).toBeUndefined();
  });
});
