// Direct messages (SPEC §4.8): my conversations with unread counts, a conversation's history with
// "load older", live delivery on conversation:{id}, typing, read receipts, mute, block and search;
// a picture or audio clip may go with a message (./Attachments.tsx).
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { ApiError, del, explain, get, post, put, qs } from '../api/client';
import { realtime, useChannel, type ChannelEvent } from '../api/realtime';
import { counted, formatDate, type Conversation, type DirectMessage, type SendResult } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorBox, Loading, useTitle } from '../components/ui';
import { ReportButton } from '../moderation/ReportButton';
import { AttachButton, AttachmentView, attachmentError, type Pending } from './Attachments';
import { Composer } from './Composer';

const TYPING_SEND_EVERY_MS = 3000; // while typing, tell the other member at most this often
const TYPING_SHOW_MS = 6000; // without a fresh `typing`, the indicator goes away after this

type Thread = { messages: DirectMessage[]; cursor: string | null; loading: boolean; error: string | null };

function preview(m: DirectMessage) {
  if (m.body) return m.body;
  return m.attachment?.kind === 'image' ? 'Picture' : m.attachment ? 'Audio clip' : 'Attachment removed';
}

function byActivity(a: Conversation, b: Conversation) {
  return b.lastMessageAt.localeCompare(a.lastMessageAt);
}

// Listens to one conversation's channel while mounted (hooks cannot loop over the list).
function ConversationChannel({ id, onEvent, onReady }: { id: string; onEvent(id: string, e: ChannelEvent): void; onReady(id: string): void }) {
  useChannel(`conversation:${id}`, { event: (e) => onEvent(id, e), ready: () => onReady(id), reload: () => onReady(id) });
  return null;
}

export default function MessagesPage() {
  useTitle('Messages');
  const { user } = useAuth();
  const { conversationId } = useParams();
  const navigate = useNavigate();
  const [convs, setConvs] = useState<Conversation[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [blocked, setBlocked] = useState<Set<string>>(new Set());
  const [thread, setThread] = useState<Thread>({ messages: [], cursor: null, loading: false, error: null });
  const [typing, setTyping] = useState<Record<string, number>>({});
  const [actionError, setActionError] = useState<string | null>(null);
  const [sendError, setSendError] = useState<string | null>(null);
  const [quota, setQuota] = useState<SendResult['quota'] | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const openRef = useRef<string | undefined>(conversationId);
  openRef.current = conversationId;
  const lastTypingSent = useRef(0);
  const me = user?.id;
  const convsRef = useRef(convs);
  convsRef.current = convs;

  const loadList = useCallback(async () => {
    try {
      const r = await get<{ conversations: Conversation[] }>(`/api/messaging/conversations${qs({ limit: 50 })}`);
      setConvs(r.conversations.sort(byActivity));
      setListError(null);
    } catch (e) {
      setListError(explain(e));
    }
  }, []);

  useEffect(() => {
    if (!me) return;
    void loadList();
    get<{ blocked: string[] }>('/api/messaging/blocks').then(
      (r) => setBlocked(new Set(r.blocked)),
      () => {},
    );
  }, [me, loadList]);

  const current = convs?.find((c) => c.id === conversationId) ?? null;

  const markRead = useCallback(async (id: string, seq?: number) => {
    try {
      const r = await post<{ lastReadSeq: number }>(`/api/messaging/conversations/${id}/read`, seq ? { seq } : {});
      setConvs((cs) => cs?.map((c) => (c.id === id ? { ...c, unread: 0, lastReadSeq: Math.max(c.lastReadSeq, r.lastReadSeq) } : c)) ?? cs);
    } catch {
      /* a receipt that fails is sent again with the next message */
    }
  }, []);

  const loadThread = useCallback(
    async (id: string, before: string | null) => {
      setThread((t) => ({ ...t, loading: true, error: null, ...(before ? {} : { messages: [], cursor: null }) }));
      try {
        const r = await get<{ messages: DirectMessage[]; nextCursor: string | null }>(
          `/api/messaging/conversations/${id}/messages${qs({ limit: 30, cursor: before })}`,
        );
        if (openRef.current !== id) return;
        const older = [...r.messages].reverse();
        setThread((t) => {
          const known = new Set(t.messages.map((m) => m.id));
          const merged = before ? [...older.filter((m) => !known.has(m.id)), ...t.messages] : [...older, ...t.messages.filter((m) => !older.some((o) => o.id === m.id))];
          return { messages: merged.sort((a, b) => a.seq - b.seq), cursor: r.nextCursor, loading: false, error: null };
        });
        if (!before) void markRead(id);
      } catch (e) {
        setThread((t) => ({ ...t, loading: false, error: explain(e) }));
      }
    },
    [markRead],
  );

  useEffect(() => {
    setSendError(null);
    setActionError(null);
    setQuota(null);
    setPending(null);
    if (conversationId && me) void loadThread(conversationId, null);
    else setThread({ messages: [], cursor: null, loading: false, error: null });
  }, [conversationId, me, loadThread]);

  // Live messages, receipts and typing of every listed conversation.
  const onEvent = useCallback(
    (id: string, e: ChannelEvent) => {
      const p = e.payload;
      if (e.type === 'message.created') {
        const m = p as DirectMessage;
        const open = openRef.current === id;
        const mine = m.senderId === me;
        setConvs((cs) =>
          cs
            ?.map((c) =>
              c.id === id
                ? { ...c, lastMessage: m, lastMessageAt: m.createdAt, unread: mine || open ? c.unread : c.unread + 1 }
                : c,
            )
            .sort(byActivity) ?? cs,
        );
        if (!mine) setTyping((t) => ({ ...t, [id]: 0 }));
        if (open) {
          setThread((t) => (t.messages.some((x) => x.id === m.id) ? t : { ...t, messages: [...t.messages, m].sort((a, b) => a.seq - b.seq) }));
          if (!mine && document.visibilityState === 'visible') void markRead(id, m.seq);
        }
      } else if (e.type === 'message.read') {
        const seq = Number(p.seq);
        setConvs((cs) =>
          cs?.map((c) => {
            if (c.id !== id) return c;
            return p.userId === me ? { ...c, lastReadSeq: Math.max(c.lastReadSeq, seq), unread: 0 } : { ...c, otherLastReadSeq: Math.max(c.otherLastReadSeq, seq) };
          }) ?? cs,
        );
      } else if (e.type === 'typing') {
        if (p.userId === me) return;
        setTyping((t) => ({ ...t, [id]: p.typing === false ? 0 : Date.now() + TYPING_SHOW_MS }));
      }
    },
    [me, markRead],
  );

  // Catch up when a channel becomes live again (after a reconnect): re-read the list and the thread.
  const onReady = useCallback(
    (id: string) => {
      if (openRef.current === id) void loadThread(id, null);
    },
    [loadThread],
  );

  // New conversations arrive as `direct_message` notifications on the user's channel.
  useChannel(me ? `user:${me}` : null, {
    event(e) {
      if (e.type !== 'notification.created' || e.payload.type !== 'direct_message') return;
      const convId = e.payload.data?.conversationId;
      if (!convsRef.current?.some((c) => c.id === convId)) void loadList();
      // Seen already: the conversation is open in front of the user.
      if (convId && convId === openRef.current && document.visibilityState === 'visible') {
        void post('/api/notifications/read', { ids: [e.payload.id] }).catch(() => {});
      }
    },
    reload: () => void loadList(),
  });

  // Expire typing indicators.
  useEffect(() => {
    const t = window.setInterval(() => {
      setTyping((cur) => {
        const now = Date.now();
        const entries = Object.entries(cur);
        const live = entries.filter(([, until]) => until > now);
        return live.length === entries.length ? cur : Object.fromEntries(live);
      });
    }, 1000);
    return () => window.clearInterval(t);
  }, []);

  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(conversationId ? `/messages/${conversationId}` : '/messages')}`} replace />;

  const sendTyping = (on: boolean) => {
    if (!conversationId) return;
    const now = Date.now();
    if (on && now - lastTypingSent.current < TYPING_SEND_EVERY_MS) return;
    if (!on && lastTypingSent.current === 0) return;
    lastTypingSent.current = on ? now : 0;
    realtime.notify('typing', `conversation:${conversationId}`, { typing: on });
  };

  const send = async (body: string) => {
    if (!conversationId) return false;
    setSendError(null);
    try {
      const attachmentId = pending?.attachment.id;
      // With an attachment, a caption of only spaces is no caption.
      const text = attachmentId && body.trim() === '' ? '' : body;
      const r = await post<SendResult>('/api/messaging/send', attachmentId ? { conversationId, body: text, attachmentId } : { conversationId, body });
      setPending(null);
      if (r.quota) setQuota(r.quota);
      setThread((t) => (t.messages.some((x) => x.id === r.message.id) ? t : { ...t, messages: [...t.messages, r.message].sort((a, b) => a.seq - b.seq) }));
      setConvs((cs) => cs?.map((c) => (c.id === conversationId ? { ...c, lastMessage: r.message, lastMessageAt: r.message.createdAt } : c)).sort(byActivity) ?? cs);
      return true;
    } catch (e) {
      const about = e instanceof ApiError && (typeof e.details.attachmentId === 'string' || e.code === 'attachment_already_sent');
      if (about) setPending(null);
      setSendError(about ? attachmentError(e) : explain(e, { body: 'The message', conversationId: 'The conversation', attachmentId: 'The attachment' }));
      return false;
    }
  };

  const toggleMute = async (c: Conversation) => {
    setActionError(null);
    try {
      const r = await put<{ muted: boolean }>(`/api/messaging/conversations/${c.id}/mute`, { muted: !c.muted });
      setConvs((cs) => cs?.map((x) => (x.id === c.id ? { ...x, muted: r.muted } : x)) ?? cs);
    } catch (e) {
      setActionError(explain(e));
    }
  };

  const toggleBlock = async (c: Conversation) => {
    setActionError(null);
    const isBlocked = blocked.has(c.with.id);
    if (!isBlocked && !window.confirm(`Block ${c.with.name}? They will not be able to message you.`)) return;
    try {
      if (isBlocked) await del(`/api/messaging/blocks/${c.with.id}`);
      else await put(`/api/messaging/blocks/${c.with.id}`, {});
      setBlocked((b) => {
        const n = new Set(b);
        if (isBlocked) n.delete(c.with.id);
        else n.add(c.with.id);
        return n;
      });
    } catch (e) {
      setActionError(explain(e));
    }
  };

  const lastMine = [...thread.messages].reverse().find((m) => m.senderId === me);
  const typingNow = conversationId && (typing[conversationId] ?? 0) > Date.now();

  return (
    <div className={`messages ${conversationId ? 'messages--open' : ''}`}>
      {convs?.map((c) => <ConversationChannel key={c.id} id={c.id} onEvent={onEvent} onReady={onReady} />)}
      <section className="messages__list" aria-labelledby="msgs-h">
        <h1 id="msgs-h">Messages</h1>
        <MessageSearch />
        <ErrorBox message={listError} />
        {!convs && !listError && <Loading />}
        {convs?.length === 0 && (
          <p className="muted">
            No conversations yet.{' '}
            {user.role === 'artist' ? 'Your superfans can write to you; you reply here.' : 'As a superfan of an artist you can write to them from their page.'}
          </p>
        )}
        <ul className="conv-list" aria-label="Conversations">
          {convs?.map((c) => (
            <li key={c.id}>
              <Link
                to={`/messages/${c.id}`}
                className={`conv ${c.id === conversationId ? 'conv--current' : ''}`}
                aria-current={c.id === conversationId ? 'page' : undefined}
                data-testid="conversation"
              >
                <span className="conv__name">
                  {c.with.name}
                  {c.muted && <span className="muted small"> · muted</span>}
                </span>
                {c.unread > 0 && (
                  <span className="badge" data-testid="conversation-unread">
                    {c.unread}
                    <span className="visually-hidden"> unread</span>
                  </span>
                )}
                <span className="conv__preview muted small">
                  {(typing[c.id] ?? 0) > Date.now() ? 'typing…' : c.lastMessage ? `${c.lastMessage.senderId === me ? 'You: ' : ''}${preview(c.lastMessage)}` : 'No messages yet'}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      </section>

      <section className="messages__thread" aria-labelledby="thread-h">
        {!conversationId ? (
          <p className="muted messages__empty">Choose a conversation.</p>
        ) : (
          <>
            <div className="thread__head">
              <Link to="/messages" className="thread__back" onClick={(e) => { e.preventDefault(); navigate('/messages'); }}>
                ← All conversations
              </Link>
              <h2 id="thread-h">{current ? current.with.name : 'Conversation'}</h2>
              {current && (
                <div className="row">
                  <button type="button" className="btn btn--small" aria-pressed={current.muted} onClick={() => toggleMute(current)}>
                    {current.muted ? 'Unmute' : 'Mute'}
                  </button>
                  <button type="button" className="btn btn--small" aria-pressed={blocked.has(current.with.id)} onClick={() => toggleBlock(current)}>
                    {blocked.has(current.with.id) ? 'Unblock' : 'Block'}
                  </button>
                </div>
              )}
            </div>
            <ErrorBox message={actionError} />
            {thread.cursor && (
              <button type="button" className="btn btn--ghost btn--small" onClick={() => loadThread(conversationId, thread.cursor)} disabled={thread.loading}>
                Load older messages
              </button>
            )}
            <ErrorBox message={thread.error} />
            {/* The thread scrolls on its own; focusable, so the keyboard can scroll it when no message holds a control. */}
            <ol className="thread" tabIndex={0} aria-label={`Messages with ${current?.with.name ?? 'this person'}`} aria-live="polite" data-testid="thread">
              {thread.messages.map((m) => (
                <li key={m.id} className={`bubble ${m.senderId === me ? 'bubble--mine' : ''}`} data-testid="message">
                  <span className="visually-hidden">{m.senderId === me ? 'You' : current?.with.name}: </span>
                  {m.attachment && <AttachmentView attachment={m.attachment} from={m.senderId === me ? 'you' : (current?.with.name ?? 'them')} />}
                  {m.body ? <p className="bubble__body">{m.body}</p> : !m.attachment && <p className="bubble__body muted">Attachment removed</p>}
                  {m.senderId !== me && <ReportButton type="message" id={m.id} what="this message" ownerId={m.senderId} />}
                  <span className="bubble__meta muted small">
                    <time dateTime={m.createdAt}>{formatDate(m.createdAt)}</time>
                    {m.id === lastMine?.id && current && current.otherLastReadSeq >= m.seq && (
                      <span data-testid="seen"> · Seen</span>
                    )}
                  </span>
                </li>
              ))}
            </ol>
            {thread.loading && <Loading />}
            {!thread.loading && thread.messages.length === 0 && !thread.error && <p className="muted">No messages yet.</p>}
            <p className="typing small muted" aria-live="polite" data-testid="typing">
              {typingNow ? `${current?.with.name ?? 'They'} is typing…` : ''}
            </p>
            {current && blocked.has(current.with.id) ? (
              <p className="muted">You blocked {current.with.name}. Unblock them to write again.</p>
            ) : (
              <Composer
                label={`Message to ${current?.with.name ?? 'this conversation'}`}
                onSend={send}
                onTyping={sendTyping}
                canSendEmpty={pending !== null}
                placeholder={pending ? 'Add a caption (optional)' : undefined}
                extra={<AttachButton pending={pending} onPending={setPending} onError={setSendError} />}
              />
            )}
            <ErrorBox message={sendError} />
            {quota && (
              <p className="muted small" data-testid="quota">
                {quota.remaining} of {quota.limit} messages left to this artist this month.
              </p>
            )}
          </>
        )}
      </section>
    </div>
  );
}

// Full-text search in my messages.
function MessageSearch() {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<DirectMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!q.trim()) {
      setResults(null);
      return;
    }
    try {
      setResults((await get<{ messages: DirectMessage[] }>(`/api/messaging/search${qs({ q: q.trim(), limit: 20 })}`)).messages);
    } catch (err) {
      setError(explain(err, { q: 'The search' }));
    }
  };
  return (
    <div className="msg-search">
      <form role="search" onSubmit={submit} className="row">
        <label htmlFor="msg-search" className="visually-hidden">
          Search my messages
        </label>
        <input id="msg-search" type="search" placeholder="Search my messages" value={q} maxLength={200} onChange={(e) => setQ(e.target.value)} />
        <button type="submit" className="btn btn--small">
          Search
        </button>
      </form>
      <ErrorBox message={error} />
      {results && (
        <div className="msg-search__results">
          <p className="small muted" role="status">
            {results.length === 0 ? 'No messages match.' : `${counted(results.length, 'message')} found`}
            {' · '}
            <button type="button" className="link-btn" onClick={() => setResults(null)}>
              Clear
            </button>
          </p>
          <ul className="list">
            {results.map((m) => (
              <li key={m.id}>
                <Link to={`/messages/${m.conversationId}`} className="small">
                  {m.body.length > 140 ? `${m.body.slice(0, 140)}…` : preview(m)}
                </Link>
                <span className="muted small"> · {formatDate(m.createdAt)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
