import { useId, useState, type FormEvent } from 'react';
import { post, formErrors } from '../api/client';
import { useAuth } from '../auth/AuthContext';

export type ReportTarget = 'track' | 'post' | 'comment' | 'message' | 'user';

// The reasons of POST /api/reports, in the words people choose from.
export const REPORT_REASONS: [string, string][] = [
  ['spam', 'Spam or scam'],
  ['harassment', 'Harassment or bullying'],
  ['hate', 'Hate speech'],
  ['sexual', 'Sexual content'],
  ['violence', 'Violence or threats'],
  ['self_harm', 'Self-harm'],
  ['copyright', 'Copyright infringement'],
  ['impersonation', 'Impersonation'],
  ['other', 'Something else'],
];

/**
 * "Report" for signed-in people: opens a small form (reason, optional note) in place; the
 * moderators get it in their queue. Not shown on one's own things (the API refuses those).
 */
export function ReportButton({ type, id, what, ownerId }: { type: ReportTarget; id: string; what: string; ownerId?: string }) {
  const { user } = useAuth();
  const uid = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [errors, setErrors] = useState<{ fields: Record<string, string>; message: string | null }>({ fields: {}, message: null });
  if (!user || (ownerId && ownerId === user.id)) return null;
  if (done) {
    return (
      <span className="small muted" role="status" data-testid="report-done">
        Reported. Thank you: a moderator will look at it.
      </span>
    );
  }
  if (!open) {
    return (
      <button type="button" className="link-btn" onClick={() => setOpen(true)} data-testid={`report-${type}`}>
        Report<span className="visually-hidden"> {what}</span>
      </button>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason) {
      setErrors({ fields: { reason: 'Reason is required: choose what is wrong.' }, message: null });
      return;
    }
    setBusy(true);
    try {
      await post('/api/reports', { targetType: type, targetId: id, reason, ...(note.trim() ? { note: note.trim() } : {}) });
      setDone(true);
    } catch (err) {
      const shown = formErrors(err, ['reason', 'note'], { reason: 'Reason', note: 'Note' });
      setErrors(shown);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="report-form" onSubmit={submit} aria-label={`Report ${what}`} data-testid="report-form" noValidate>
      <div className="field">
        <label htmlFor={`${uid}-reason`}>Why are you reporting {what}?</label>
        <select
          id={`${uid}-reason`}
          value={reason}
          autoFocus
          onChange={(e) => setReason(e.target.value)}
          aria-invalid={errors.fields.reason ? true : undefined}
          aria-describedby={errors.fields.reason ? `${uid}-reason-error` : undefined}
        >
          <option value="">Choose a reason</option>
          {REPORT_REASONS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        {errors.fields.reason && (
          <small id={`${uid}-reason-error`} className="field__error">
            {errors.fields.reason}
          </small>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${uid}-note`}>Anything the moderators should know? (optional)</label>
        <textarea
          id={`${uid}-note`}
          rows={2}
          maxLength={500}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          aria-invalid={errors.fields.note ? true : undefined}
          aria-describedby={errors.fields.note ? `${uid}-note-error` : undefined}
        />
        {errors.fields.note && (
          <small id={`${uid}-note-error`} className="field__error">
            {errors.fields.note}
          </small>
        )}
      </div>
      {errors.message && (
        <p className="error" role="alert">
          {errors.message}
        </p>
      )}
      <div className="row">
        <button type="submit" className="btn btn--primary btn--small" disabled={busy}>
          Send report
        </button>
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
