import type { ImageUrls } from '../api/types';
import { srcSet } from './ui';

// Cover art (a release's cover, or a track's own artwork falling back to it): the rendered sizes
// by width, or the title's initial on a gradient when there is none.
export function Cover({ art, title, size, className = '' }: { art?: ImageUrls | null; title: string; size: 'small' | 'medium' | 'large' | 'tiny'; className?: string }) {
  const px = { tiny: 48, small: 56, medium: 220, large: 160 }[size];
  const cls = `cover${size === 'small' ? ' cover--small' : size === 'large' ? ' cover--large' : size === 'tiny' ? ' cover--tiny' : ''} ${className}`.trim();
  if (art && Object.keys(art).length > 0) {
    const smallest = Object.entries(art).sort((a, b) => Number(a[0]) - Number(b[0]))[0][1];
    return <img className={`${cls} cover--image`} src={smallest} srcSet={srcSet(art)} sizes={`${px}px`} width={px} height={px} alt="" data-testid="cover-art" />;
  }
  return (
    <div className={cls} aria-hidden="true">
      {title.slice(0, 1)}
    </div>
  );
}
