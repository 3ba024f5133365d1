import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  UseGuards,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  AuthGuard,
  CurrentUser,
  Permissions,
  ResourceNotFoundException,
  ValidationFailedException,
  type ValidationProblem,
} from 'portcullis';
import { Repository } from 'typeorm';
import { Note } from './note.entity.js';

interface NoteView {
  id: number;
  title: string;
  body: string;
  createdAt: Date;
}

function view(note: Note): NoteView {
  return { id: note.id, title: note.title, body: note.body, createdAt: note.createdAt };
}

function parseNote(input: unknown): { title: string; body: string } {
  const fields = (
    typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}
  ) as Record<string, unknown>;
  const problems: ValidationProblem[] = [];
  if (
    typeof fields.title !== 'string' ||
    fields.title.trim().length === 0 ||
    fields.title.length > 200
  ) {
    problems.push({
      field: 'title',
      message: 'title must be a non-empty string of at most 200 characters.',
    });
  }
  if (typeof fields.body !== 'string' || fields.body.length > 10000) {
    problems.push({ field: 'body', message: 'body must be a string of at most 10000 characters.' });
  }
  if (problems.length) throw new ValidationFailedException(problems);
  return { title: (fields.title as string).trim(), body: fields.body as string };
}

/**
 * The notes API: each user sees and changes only their own notes. Reading and writing need
 * `notes.read` / `notes.write` (the `member` group every registered user joins); deleting needs
 * `notes.delete`, which someone must grant.
 */
@UseGuards(AuthGuard)
@Controller('notes')
export class NotesController {
  constructor(@InjectRepository(Note) private readonly notes: Repository<Note>) {}

  @Get()
  @Permissions('notes.read')
  async list(@CurrentUser('id') userId: string | number): Promise<NoteView[]> {
    const notes = await this.notes.find({
      where: { ownerId: String(userId) },
      order: { id: 'ASC' },
    });
    return notes.map(view);
  }

  @Post()
  @HttpCode(201)
  @Permissions('notes.write')
  async create(
    @CurrentUser('id') userId: string | number,
    @Body() body: unknown,
  ): Promise<NoteView> {
    const note = this.notes.create({ ...parseNote(body), ownerId: String(userId) });
    await this.notes.save(note);
    return view(note);
  }

  @Delete(':id')
  @HttpCode(204)
  @Permissions('notes.delete')
  async remove(
    @CurrentUser('id') userId: string | number,
    @Param('id', ParseIntPipe) id: number,
  ): Promise<void> {
    const result = await this.notes.delete({ id, ownerId: String(userId) });
    if (!result.affected) throw new ResourceNotFoundException('No such note.');
  }
}
