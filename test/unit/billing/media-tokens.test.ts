import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IMAGE_MIN_BOUND,
  REMOTE_IMAGE_TOKENS,
  imageDimensions,
  imageTokensForSize,
  imageUrlTokens,
  inlineMediaTokens,
  remoteMediaTokens,
} from '../../../src/billing/media-tokens.ts';

function png(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(33);
  bytes.writeUInt32BE(0x89504e47, 0);
  bytes.writeUInt32BE(0x0d0a1a0a, 4);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

function jpeg(width: number, height: number): Buffer {
  // SOI, an APP0 segment of 16 bytes, then SOF0 with the frame size.
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.alloc(19);
  sof.writeUInt16BE(0xffc0, 0);
  sof.writeUInt16BE(17, 2);
  sof[4] = 8;
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]);
}

describe('media holds by type and size', () => {
  test('image dimensions from PNG and JPEG headers', () => {
    assert.deepEqual(imageDimensions(png(1920, 1080)), { width: 1920, height: 1080 });
    assert.deepEqual(imageDimensions(jpeg(640, 480)), { width: 640, height: 480 });
    assert.equal(imageDimensions(Buffer.from('not an image')), undefined);
  });

  test('images: 258 tokens per 768-pixel tile, never below the Gemini 3 high-resolution bound', () => {
    assert.equal(imageTokensForSize(300, 300), IMAGE_MIN_BOUND);
    assert.equal(imageTokensForSize(3072, 3072), 16 * 258);
    assert.equal(imageTokensForSize(8000, 8000), 11 * 11 * 258);
    const big = `data:image/png;base64,${png(8000, 8000).toString('base64')}`;
    assert.equal(imageUrlTokens(big), 11 * 11 * 258, 'a large image is held by its size, not a flat 1,500');
  });

  test('video, audio and PDF sent through image_url are held by what they are', () => {
    const video = Buffer.alloc(16 * 1024 * 1024).toString('base64');
    const videoTokens = imageUrlTokens(`data:video/mp4;base64,${video}`);
    assert.equal(videoTokens, Math.ceil(16 * 1024 * 1024 * (300 / 8000)));
    assert.ok(videoTokens > 100 * 1_500, 'a 16 MB video is not held as one image');
    const pdf = Buffer.from(
      '%PDF-1.4 1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >> 2 0 obj << /Type /Page >> 3 0 obj << /Type /Page >>',
    );
    assert.equal(inlineMediaTokens('application/pdf', pdf.toString('base64')), 2 * 560);
    assert.equal(inlineMediaTokens('application/pdf', Buffer.alloc(5000).toString('base64')), 1_000 * 560);
    assert.equal(inlineMediaTokens('audio/wav', Buffer.alloc(75_000).toString('base64')), 3_200);
  });

  test('remote URLs are held by the type their path names, else as a large image', () => {
    assert.equal(remoteMediaTokens('https://example.com/cat.png'), REMOTE_IMAGE_TOKENS);
    assert.equal(remoteMediaTokens('https://example.com/photo'), REMOTE_IMAGE_TOKENS);
    assert.equal(
      remoteMediaTokens('https://example.com/talk.mp4?x=1'),
      Math.ceil(20 * 1024 * 1024 * (300 / 8000)),
    );
    assert.equal(remoteMediaTokens('https://example.com/paper.PDF'), 560_000);
  });
});
