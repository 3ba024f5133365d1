import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A note, owned by the user who wrote it. */
@Entity('notes')
export class Note {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'text' })
  body!: string;

  /** The author's id, stringified (works with any user primary key type). */
  @Index()
  @Column({ type: 'varchar', length: 64 })
  ownerId!: string;

  @CreateDateColumn()
  createdAt!: Date;
}
