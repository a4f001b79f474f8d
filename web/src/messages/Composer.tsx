import { useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { MESSAGE_MAX_CHARS } from '../api/types';

// A message box with the 2,000-character limit shown as you type. Enter sends, Shift+Enter starts a
// new line. `onTyping` is called on every edit (the caller throttles what goes on the wire).
// `extra` goes in the bar before Send (the messages page's attachment button); with
// `canSendEmpty` (an attachment is ready) a message without text may be sent.
export function Composer({
  label,
  onSend,
  onTyping,
  disabled,
  placeholder,
  extra,
  canSendEmpty,
}: {
  label: string;
  onSend(body: string): Promise<boolean>;
  onTyping?(typing: boolean): void;
  disabled?: boolean;
  placeholder?: string;
  extra?: ReactNode;
  canSendEmpty?: boolean;
}) {
  const id = useId();
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const chars = [...body].length;
  const over = chars > MESSAGE_MAX_CHARS;
  const empty = !canSendEmpty && body.trim() === '';
  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (over || empty || busy) return;
    setBusy(true);
    onTyping?.(false);
    try {
      if (await onSend(body)) setBody('');
    } finally {
      setBusy(false);
      ref.current?.focus();
    }
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <textarea
        id={id}
        ref={ref}
        rows={2}
        value={body}
        placeholder={placeholder ?? 'Write a message'}
        disabled={disabled}
        aria-invalid={over || undefined}
        aria-describedby={`${id}-count`}
        onKeyDown={onKey}
        onChange={(e) => {
          setBody(e.target.value);
          onTyping?.(e.target.value.trim() !== '');
        }}
      />
      <div className="composer__bar">
        <small id={`${id}-count`} className={over ? 'field__error' : 'muted'} aria-live={over ? 'polite' : 'off'}>
          {over ? `Message is ${chars} characters, over the ${MESSAGE_MAX_CHARS} allowed: shorten it by ${chars - MESSAGE_MAX_CHARS} to send it.` : `${chars} / ${MESSAGE_MAX_CHARS}`}
          <span className="visually-hidden"> Enter sends; Shift+Enter starts a new line.</span>
        </small>
        {extra}
        <button type="submit" className="btn btn--primary" disabled={disabled || busy || over || empty}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
