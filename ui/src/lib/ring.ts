// A fixed-size ring of the latest measurements: memory stays the same however long the app runs.

export class Ring<T> {
  private items: T[] = [];
  private next = 0;
  /** How many were ever pushed (not only those still held). */
  count = 0;

  constructor(readonly capacity: number) {}

  push(item: T) {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.count++;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.capacity ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }

  last(): T | undefined {
    return this.items.length === 0 ? undefined : this.items[(this.next - 1 + this.capacity) % this.capacity];
  }
}
